// The whole cluster's metrics, put together in the primary for a worker's
// GET /metrics (cluster/worker-metrics.ts): every serving worker's registry
// and the primary's own, merged by prom-client's AggregatorRegistry.aggregate
// — counters and histograms summed by label set, gauges as each one says. The
// primary counts some of the metrics the workers count (hedge_alerts_total;
// hedge_policy_reloads_total for a reload decided while no worker served):
// appending its text to the workers' aggregate, as before, exported such a
// metric as two families of one name. Only serving workers are asked (one
// still starting has no registry to answer with yet, and waiting for it held
// the scrape); one that does not answer within the bound is left out.
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../shared/log.js';
import type { PrimaryToWorker, WorkerToPrimary } from './protocol.js';

type Answer = Extract<WorkerToPrimary, { t: 'hedge:metrics-json-res' }>;
/** One registry as prom-client's getMetricsAsJSON() gives it. */
type MetricsJson = object[];

export class ClusterMetrics {
  private nextId = 1;
  /** Waiters for one worker's registry, by `${request id}:${worker id}`. */
  private readonly waiting = new Map<string, (a: Answer) => void>();

  constructor(
    private readonly own: Registry,
    private readonly send: (w: Worker, m: PrimaryToWorker) => void,
    private readonly log: Logger,
    /** Under a worker's own bound for the primary's answer (8 s), after which it serves its own metrics alone. */
    private readonly timeoutMs = 4000,
  ) {}

  /** A worker's hedge:metrics-json-res; false for any other message. */
  onMessage(w: Worker, m: WorkerToPrimary): boolean {
    if (m.t !== 'hedge:metrics-json-res') return false;
    this.waiting.get(`${m.id}:${w.id}`)?.(m);
    return true; // one that came after the bound is dropped
  }

  /** The cluster's metrics in the Prometheus text format: the primary's registry and those of `workers`, merged. */
  async text(workers: readonly Worker[]): Promise<string> {
    const id = this.nextId++;
    const answers = await Promise.all(workers.map((w) => this.ask(w, id)));
    const merged = AggregatorRegistry.aggregate([await this.own.getMetricsAsJSON(), ...answers.filter((a) => a !== undefined)]);
    return merged.metrics();
  }

  private ask(w: Worker, id: number): Promise<MetricsJson | undefined> {
    return new Promise((resolve) => {
      const key = `${id}:${w.id}`;
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        this.log.warn('metrics: a worker did not send its metrics in time; the scrape goes without them', { worker: w.id, timeoutMs: this.timeoutMs });
        resolve(undefined);
      }, this.timeoutMs);
      this.waiting.set(key, (a) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        if (a.error !== undefined) this.log.warn('metrics: a worker could not read its metrics; the scrape goes without them', { worker: w.id, error: a.error });
        resolve(a.error === undefined ? (a.metrics as MetricsJson) : undefined);
      });
      this.send(w, { t: 'hedge:metrics-json-req', id });
    });
  }
}
