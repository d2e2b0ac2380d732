// `npm run profile -- --allocations`'s parts: the hook records V8's sampling
// heap profiler over the window between two SIGWINCH, and the report divides
// what each function allocated by the requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs bench tool, without types
import { allocationsPerRequest } from '../../bench/tools/allocation-report.mjs';
// @ts-expect-error -- a plain .mjs bench tool, without types
import { loadProfile, difference } from '../../bench/tools/cpu-profile-report.mjs';
import { profiledChild } from '../helpers/profiled-child.js';

const node = (id: number, functionName: string, url: string, selfSize: number, children: unknown[] = []) => ({
  id,
  selfSize,
  callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' },
  children,
});

test('allocations per request: by part and by function, what each allocated itself', () => {
  const head = node(1, '(root)', '', 0, [
    node(2, 'handleRequest', 'file:///srv/hedge/dist/proxy/ingress.js', 6000, [node(3, 'push', 'node:internal/fixed_queue', 1000)]),
    node(4, 'onHeaders', 'file:///srv/hedge/node_modules/undici/lib/dispatcher/client-h1.js', 3000),
    node(5, 'handleRequest', 'file:///srv/hedge/dist/proxy/ingress.js', 2000),
  ]);
  const r = allocationsPerRequest({ head, samples: [] }, 10);
  assert.equal(r.totalBytes, 1200);
  assert.deepEqual(
    r.parts.map((p: { name: string; bytes: number }) => [p.name, p.bytes]),
    [
      ['hedge: proxy', 800],
      ['npm: undici', 300],
      ['node: internal/fixed_queue', 100],
    ],
  );
  // The two nodes of one function (called from two places) are one row.
  assert.deepEqual(r.functions[0], { name: 'handleRequest dist/proxy/ingress.js:1', part: 'hedge: proxy', bytes: 800 });
  const half = allocationsPerRequest({ head, samples: [] }, 20);
  const d = difference(r, half, 'bytes');
  assert.deepEqual(d.functions[0], { name: 'handleRequest dist/proxy/ingress.js:1', a: 800, b: 400, diff: 400 });
});

test('the hook samples allocations in the window between two SIGWINCH, scaled to what was allocated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-alloc-test-'));
  const out = join(dir, 'p.heapprofile');
  // fill allocates 50 arrays of 126 numbers a call (a 1,024-byte backing store and a 32-byte array
  // each: 52,800 bytes) and says how many calls it has made when each SIGWINCH arrives. Without
  // inlining: V8 counts what an inlined function allocates as its caller's (the timer loop's).
  const child = profiledChild(
    'let n=0,keep;function fill(){for(let i=0;i<50;i++)keep=new Array(126).fill(i);n++}fill();process.on("SIGWINCH",()=>process.stderr.write(`calls ${n}\\n`));process.stderr.write("filling\\n");setInterval(fill,1)',
    { HEDGE_PROFILE_OUT: out, HEDGE_PROFILE_KIND: 'allocations' },
    ['--no-turbo-inlining'],
  );
  try {
    await child.said('filling');
    await child.profileFor(500);
    // The script's listener runs after the hook's: its second count may come a moment after "profile written".
    await child.said(/calls \d+/, 2);
    const err = child.stderr();
    const [first, last] = [...err.matchAll(/calls (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(first !== undefined && last !== undefined && last - first >= 20, `calls in the window: ${err}`);
    const r = allocationsPerRequest(loadProfile(out), last - first);
    const fill = r.functions.find((f: { name: string }) => f.name.startsWith('fill '));
    assert.ok(fill, `fill is among the allocating functions: ${r.functions.map((f: { name: string }) => f.name).join(', ')}`);
    assert.ok(fill.bytes > 52_800 * 0.75 && fill.bytes < 52_800 * 1.33, `fill allocated ${fill.bytes.toFixed(0)} bytes a call, 52,800 expected`);
  } finally {
    child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
