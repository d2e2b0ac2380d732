// Metrics under `--workers`: a scrape reaches whichever worker the kernel
// picks, so each worker answers /metrics with the whole cluster's view — every
// worker's registry aggregated by prom-client (counters and histograms summed)
// plus the primary's own (the RADIUS listener) — fetched from the primary.
// Falls back to this worker's own metrics if the primary does not answer.
import { AggregatorRegistry } from 'prom-client';
import { Metrics } from '../shared/metrics.js';
import { isHedgeMessage, type PrimaryToWorker, type WorkerToPrimary } from './protocol.js';

export class ClusterWorkerMetrics extends Metrics {
  private nextId = 1;
  private readonly waiting = new Map<number, (text: string | undefined) => void>();

  constructor(opts: { gcMetrics: boolean }) {
    super({ defaultMetrics: true, gcMetrics: opts.gcMetrics });
    // Answer the primary's aggregation requests with this registry.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([this.registry]);
    process.on('message', (m: unknown) => {
      if (!isHedgeMessage(m) || (m as PrimaryToWorker).t !== 'hedge:metrics-res') return;
      const r = m as Extract<PrimaryToWorker, { t: 'hedge:metrics-res' }>;
      this.waiting.get(r.id)?.(r.text);
      this.waiting.delete(r.id);
    });
  }

  override async text(): Promise<string> {
    const cluster = await this.fromPrimary();
    return cluster ?? this.registry.metrics();
  }

  private fromPrimary(): Promise<string | undefined> {
    if (!process.send || !process.connected) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, 8000);
      this.waiting.set(id, (text) => {
        clearTimeout(t);
        resolve(text);
      });
      process.send!({ t: 'hedge:metrics-req', id } satisfies WorkerToPrimary);
    });
  }
}
