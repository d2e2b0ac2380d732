// Reading a V8 sampling heap profile (.heapprofile, from profile-hook.mjs with
// HEDGE_PROFILE_KIND=allocations) as a proxy's allocation per request: bytes
// by part (the same parts as the CPU report) and by allocating function,
// divided by the requests served in the profiled window. Garbage collection
// is the largest single item hedge adds above the bare proxy in the CPU
// profile; this says which code allocates what the collector then sweeps.
// Used by bench/profile.mjs --allocations.
import { partOf, frameLabel } from './cpu-profile-report.mjs';

/**
 * Bytes per request by part and by function (what each allocated itself, not
 * its callees), sorted, and the total. A node's selfSize is V8's estimate of
 * everything the function allocated (each sample scaled by its chance of
 * being sampled), so sizes below the sampling interval are not undercounted.
 */
export function allocationsPerRequest(profile, requests) {
  const parts = new Map();
  const functions = new Map();
  let total = 0;
  const stack = [profile.head];
  while (stack.length) {
    const node = stack.pop();
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    const cf = node.callFrame;
    const part = partOf(cf);
    total += node.selfSize;
    parts.set(part, (parts.get(part) ?? 0) + node.selfSize);
    const key = frameLabel(cf);
    const f = functions.get(key) ?? { bytes: 0, part };
    f.bytes += node.selfSize;
    functions.set(key, f);
  }
  const per = (bytes) => bytes / Math.max(1, requests);
  return {
    requests,
    totalBytes: per(total),
    parts: [...parts].map(([name, bytes]) => ({ name, bytes: per(bytes) })).sort((a, b) => b.bytes - a.bytes),
    functions: [...functions].map(([name, f]) => ({ name, part: f.part, bytes: per(f.bytes) })).sort((a, b) => b.bytes - a.bytes),
  };
}
