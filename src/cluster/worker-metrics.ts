// Metrics under `--workers`: a scrape reaches whichever worker the kernel
// picks, so each worker answers /metrics with the whole cluster's view — every
// serving worker's registry and the primary's own (the RADIUS listener, the
// cluster's gauges, a reload decided while no worker served) merged by the
// primary (cluster/cluster-metrics.ts: counters and histograms summed).
// Falls back to this worker's own metrics if the primary does not answer.
import { Metrics } from '../shared/metrics.js';
import { isHedgeMessage, type PrimaryToWorker, type WorkerToPrimary } from './protocol.js';

export class ClusterWorkerMetrics extends Metrics {
  private nextId = 1;
  private readonly waiting = new Map<number, (text: string | undefined) => void>();

  constructor(opts: { gcMetrics: boolean }) {
    super({ defaultMetrics: true, gcMetrics: opts.gcMetrics });
    process.on('message', (m: unknown) => {
      if (!isHedgeMessage(m)) return;
      const msg = m as PrimaryToWorker;
      // The primary merges this registry with the others' and its own.
      if (msg.t === 'hedge:metrics-json-req') {
        this.registry.getMetricsAsJSON().then(
          (metrics) => send({ t: 'hedge:metrics-json-res', id: msg.id, metrics }),
          (err: unknown) => send({ t: 'hedge:metrics-json-res', id: msg.id, error: (err as Error).message }),
        );
        return;
      }
      if (msg.t !== 'hedge:metrics-res') return;
      this.waiting.get(msg.id)?.(msg.text);
      this.waiting.delete(msg.id);
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

function send(m: WorkerToPrimary): void {
  if (process.connected) process.send?.(m);
}
