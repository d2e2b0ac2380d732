// `hedge start` keeps V8's young generation (the two semi-spaces where new
// objects are born) at 8 MB instead of V8's 32 MB. V8 doubles the semi-spaces
// each time enough objects survive, up to 16 MB each, and never gives them
// back while busy: loading hedge's modules alone (everything survives) takes
// them to the maximum, so an idle gateway held ~30 MB it did not use. Measured
// on the bench's config (docs/operations.md, "Resident memory"): 8 MB costs
// no CPU per request we could measure against 32 MB, while 2 MB (never
// growing) cost 10–15 % more CPU per request.
//
// V8 fixes the maximum when the process starts (--max-semi-space-size), which
// a running program cannot change; what it reads each time it grows the young
// generation is --semi-space-growth-factor. So: factor 1 (no growth) while
// the modules load and the gateway starts, then, once it is listening, after
// every GC the factor that takes the young generation to the cap in one step,
// or 1 at the cap. V8 shrinks the young generation by itself when allocation
// stays low (an idle gateway), and it grows back to the cap under load.
//
// cli/main.ts holds it before it loads the rest of hedge; cli/start.ts caps it
// once the gateway listens. An operator who sets the young generation's size (--max-semi-space-size or
// --semi-space-growth-factor, on the command line or in NODE_OPTIONS) keeps
// V8's behaviour with their setting: hedge then changes nothing.
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

/** Both semi-spaces together, as V8 reports new_space's size. */
export const YOUNG_GENERATION_CAP_BYTES = 8 * 1024 * 1024;

const chosenByOperator = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /semi[-_]space/.test(a));

/** V8's default growth factor, until set here. */
let factor = 2;

function setGrowthFactor(f: number): void {
  if (f === factor) return;
  factor = f;
  v8.setFlagsFromString(`--semi-space-growth-factor=${f}`);
}

function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? YOUNG_GENERATION_CAP_BYTES;
}

/** While the gateway starts: the young generation stays at V8's initial size. */
export function holdYoungGeneration(): void {
  if (!chosenByOperator) setGrowthFactor(1);
}

/** How often a young generation at its cap is looked at again (V8 shrinks it when the gateway idles). */
const LOOK_AGAIN_MS = 1000;

/**
 * Once started: the young generation may grow, up to the cap, from the next GC on.
 * It is steered after every GC only while it is below the cap: a 'gc' observer
 * costs every collection a callback (~90 a second under the bench's load;
 * prom-client's GC histogram, such an observer, cost 2–4 µs of CPU per proxied
 * request: shared/process-metrics.ts). At the cap the
 * factor is 1 and the observer is let go; a look once a second sees when V8 has
 * shrunk the young generation (an idle gateway) and steers it back.
 */
export function capYoungGeneration(cap = YOUNG_GENERATION_CAP_BYTES): void {
  if (chosenByOperator) return;
  let observer: PerformanceObserver | undefined;
  const steer = () => {
    const now = youngGenerationBytes();
    setGrowthFactor(Math.max(1, Math.floor(cap / now)));
    if (now >= cap) {
      observer?.disconnect();
      observer = undefined;
    } else if (observer === undefined) {
      observer = new PerformanceObserver(steer);
      observer.observe({ entryTypes: ['gc'] });
    }
  };
  steer();
  setInterval(() => observer === undefined && steer(), LOOK_AGAIN_MS).unref();
}
