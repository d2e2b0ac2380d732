// The audit's Prometheus metrics, registered on the gateway's registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AuditRecord } from './record.js';

export class AuditMetrics {
  private readonly records: Counter<'type'>;
  private readonly batches: Histogram;
  private readonly commitSeconds: Histogram;
  private readonly failures: Counter;
  private readonly unrecordedTotal: Counter<'partner'>;
  private readonly dropped: Counter<'type'>;
  private readonly up: Gauge;
  private readonly pendingGauge: Gauge;
  private readonly checkpoints: Counter;

  /** Read at scrape time (not set per record: the hot path stays free of metric updates). */
  pendingSource: () => number = () => 0;

  constructor(registry: Registry, store: string) {
    const registers = [registry];
    this.records = new Counter({ name: 'hedge_audit_records_total', help: 'Audit records committed, by type', labelNames: ['type'], registers });
    this.batches = new Histogram({ name: 'hedge_audit_batch_records', help: 'Records per group commit', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers });
    this.commitSeconds = new Histogram({
      name: 'hedge_audit_commit_seconds',
      help: 'Time one group commit took (one transaction, one fsync)',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.failures = new Counter({ name: 'hedge_audit_commit_failures_total', help: 'Group commits that failed or timed out', registers });
    this.unrecordedTotal = new Counter({
      name: 'hedge_audit_unrecorded_disclosures_total',
      help: 'Requests forwarded without their identity headers because the audit record could not be committed',
      labelNames: ['partner'],
      registers,
    });
    this.dropped = new Counter({
      name: 'hedge_audit_events_dropped_total',
      help: 'Audit events (not disclosures) lost because the store could not commit',
      labelNames: ['type'],
      registers,
    });
    // --workers: 0 when any worker's store is down (a sum would hide one worker down behind another up).
    this.up = new Gauge({ name: 'hedge_audit_store_up', help: `1 while the audit store (${store}) commits, 0 while disclosures are withheld`, registers, aggregator: 'min' });
    const source = () => this.pendingSource();
    this.pendingGauge = new Gauge({
      name: 'hedge_audit_pending_records',
      help: 'Records waiting for the next group commit',
      registers,
      collect() {
        this.set(source());
      },
    });
    this.checkpoints = new Counter({ name: 'hedge_audit_checkpoints_total', help: 'Signed checkpoints of the chain head written', registers });
    this.up.set(1);
  }

  committed(records: readonly AuditRecord[], seconds: number): void {
    let disclosures = 0;
    for (const r of records) {
      if (r.type === 'disclosure') disclosures++;
      else this.records.labels(r.type).inc();
    }
    if (disclosures) this.records.labels('disclosure').inc(disclosures);
    this.batches.observe(records.length);
    this.commitSeconds.observe(seconds);
  }
  commitFailed(): void {
    this.failures.inc();
  }
  unrecorded(partner: string): void {
    this.unrecordedTotal.labels(partner).inc();
  }
  eventDropped(type: string): void {
    this.dropped.labels(type).inc();
  }
  storeUp(up: boolean): void {
    this.up.set(up ? 1 : 0);
  }
  checkpoint(): void {
    this.checkpoints.inc();
  }
}
