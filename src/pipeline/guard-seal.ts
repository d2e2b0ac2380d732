// The egress guard's seal on a Flow. The guard stage seals a flow after its
// check; the upstream (and the upgrade relay) refuse any flow whose headers
// are not what the guard saw — or a part of it: removing headers afterwards
// (a later stage failing closed and revoking its disclosures) is always safe,
// adding or changing one is not. So no code path — a stage placed after the
// guard, a caller that skips the pipeline — can send what the guard did not
// check. Only the guard stage may import sealGuarded (eslint.config.js); the
// one other caller is the benchmark's guard-off row (bench/rows/egress-guard.mjs),
// which swaps the guard for a stage that only seals, to measure the guard's cost.
import type { Flow } from './flow.js';

const SEAL = Symbol('hedge.egress-guard.seal');

interface Seal {
  /** A copy: later in-place edits of flow.headers cannot change what was checked. */
  headers: readonly string[];
  host: string;
  path: string;
}

type Sealable = Flow & { [SEAL]?: Seal };

export function sealGuarded(flow: Flow): void {
  (flow as Sealable)[SEAL] = { headers: flow.headers.slice(), host: flow.target.host, path: flow.target.path };
}

/** True when the guard checked this flow and since then headers were at most removed, the target unchanged. */
export function passedGuard(flow: Flow): boolean {
  const s = (flow as Sealable)[SEAL];
  if (s === undefined || s.host !== flow.target.host || s.path !== flow.target.path) return false;
  const h = flow.headers;
  const c = s.headers;
  if (h.length > c.length) return false;
  // Ordered sub-list of what was checked (the usual case: identical).
  let j = 0;
  for (let i = 0; i < h.length; i += 2) {
    while (j < c.length && (c[j] !== h[i] || c[j + 1] !== h[i + 1])) j += 2;
    if (j >= c.length) return false;
    j += 2;
  }
  return true;
}
