// Node.js process metrics under their stock prom-client names (process_*,
// nodejs_*), so stock Node.js dashboards work — all of collectDefaultMetrics'
// collectors but one unless asked for.
//
// prom-client's `nodejs_gc_duration_seconds` has Node track every garbage
// collection (a 'gc' performance observer: an entry built in JavaScript for
// each, and an observer callback). Under the bench's non-partner load that is
// ~90 collections a second, and the same gateway without the observer used
// 1.8–4.4 µs less CPU per request in four runs of alternating rounds
// (2026-11-29; 4–7 % of a request). v8.GCProfiler, which records collections
// in C++, cost as much in a benchmark of its own. So the GC histogram is off
// unless `admin.gcMetrics` turns it on. The other collectors are
// prom-client's own, loaded by the names its collectDefaultMetrics lists
// (test/shared/process-metrics.test.ts holds the result to that function's
// metric set).
import { createRequire } from 'node:module';
import { collectDefaultMetrics, type Registry } from 'prom-client';

const require = createRequire(import.meta.url);

type Collector = (registry: Registry, config: Record<string, unknown>) => void;

/** prom-client's default collectors by name, its own list (one file each under lib/metrics/). */
const STOCK = (collectDefaultMetrics as unknown as { metricsList: string[] }).metricsList;

/** The GC durations' collector, in that list. */
const GC = 'gc';

/** Registers the process metrics on the registry; the GC durations only with `gcDurations`. */
export function registerProcessMetrics(registry: Registry, opts: { gcDurations: boolean }): void {
  // The config collectDefaultMetrics hands its collectors.
  const config = { eventLoopMonitoringPrecision: 10, register: registry };
  for (const name of STOCK) if (name !== GC || opts.gcDurations) (require(`prom-client/lib/metrics/${name}.js`) as Collector)(registry, config);
}
