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
  private readonly headSeq: Gauge<'node' | 'boot'>;
  private readonly foundSeq: Gauge<'node' | 'boot'>;
  private readonly witnessLines: Counter<'result'>;
  /** This process's start (ms since the epoch): the `boot` label tells one run of a node's chain from the next. */
  private readonly boot = String(Math.round(performance.timeOrigin));

  /** Read at scrape time (not set per record: the hot path stays free of metric updates). */
  pendingSource: () => number = () => 0;
  /** The chain this process writes and its head's seq (undefined until the store was read), read at scrape time. */
  headSource: () => { node: string; seq: number } | undefined = () => undefined;

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
    // The chain head as Prometheus keeps it, outside the store: a node whose run starts from a head (found) below
    // the highest head an earlier run reached had its chain cut back (alert HedgeAuditChainCutBack).
    const head = () => this.headSource();
    const boot = this.boot;
    this.headSeq = new Gauge({
      name: 'hedge_audit_chain_head_seq',
      help: "The seq of this run's audit chain head (last committed record)",
      labelNames: ['node', 'boot'],
      registers,
      aggregator: 'max',
      collect() {
        const h = head();
        if (h) this.labels(h.node, boot).set(h.seq);
      },
    });
    this.foundSeq = new Gauge({
      name: 'hedge_audit_chain_found_seq',
      help: 'The seq of the chain head this run found in the store when it started (before writing anything)',
      labelNames: ['node', 'boot'],
      registers,
      aggregator: 'max',
    });
    this.witnessLines = new Counter({
      name: 'hedge_audit_witness_lines_total',
      help: 'Checkpoints sent to the audit witness file: written, failed (appends that failed; retried), dropped (a full queue)',
      labelNames: ['result'],
      registers,
    });
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
  /** Once, when this run first read its chain's head from the store. */
  found(node: string, seq: number): void {
    this.foundSeq.labels(node, this.boot).set(seq);
  }
  witness(result: 'written' | 'failed' | 'dropped', n: number): void {
    this.witnessLines.labels(result).inc(n);
  }
}
