// Prometheus metrics. Labels name outcomes, partners, attributes and header
// names — never identifier values. Hot-path children are resolved once and
// cached so a request does no label hashing; the counters every request
// touches count in plain numbers, handed to prom-client when read (HotCounter),
// and so does the latency histogram (hot-histogram.ts).
import { Counter, Gauge, Registry, type Aggregator, type CounterConfiguration, type LabelValues } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';
import { HotHistogram, type HotSeries } from './hot-histogram.js';

export type Outcome = 'forwarded' | 'enriched' | 'refused' | 'bad_request' | 'upstream_error' | 'shed' | 'internal';
export type UpstreamErrorKind = 'refused' | 'reset' | 'timeout' | 'dns' | 'tls' | 'other' | 'unguarded' | 'destination' | 'busy' | 'slow_body';
/** Why a request was refused to keep the upstream pools fairly shared (proxy/fair-share.ts). */
export type FairShareReason = 'uploads_per_client' | 'requests_per_client' | 'body_too_slow' | 'queue_timeout';
/** The channels that open connections on a client's behalf. */
export type DestinationChannel = 'http' | 'connect' | 'upgrade';

/**
 * A labelled counter for the request path. prom-client's inc() hashes and
 * validates the label set on every call (microseconds, even on a bound
 * child); here an increment is one Map probe and an addition, and the counts
 * are added to the prom-client counter whenever it is read (scrape, value(),
 * cluster aggregation all call its collect), so what it exports is unchanged.
 */
class HotCounter<L extends string> {
  readonly counter: Counter<L>;
  private readonly pending = new Map<string, { labels: LabelValues<L>; n: number }>();
  private readonly nested = new Map<string, Map<string, Map<string, { labels: LabelValues<L>; n: number }>>>();

  constructor(config: Omit<CounterConfiguration<L>, 'collect'>) {
    const flush = () => this.flush();
    this.counter = new Counter({ ...config, collect: flush });
  }

  /** Adds one to the series `key` names; `labels` builds its label values the first time. */
  inc(key: string, labels: () => LabelValues<L>): void {
    const p = this.pending.get(key);
    if (p) p.n++;
    else this.pending.set(key, { labels: labels(), n: 1 });
  }

  /**
   * The same for a series named by two or three label values (partner,
   * attribute, form): the values lead through nested maps to the series'
   * entry, so a call neither builds nor hashes a joined key.
   */
  inc3(a: string, b: string, c: string, labels: () => LabelValues<L>): void {
    let byB = this.nested.get(a);
    if (byB === undefined) this.nested.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (byC === undefined) byB.set(b, (byC = new Map()));
    const p = byC.get(c);
    if (p !== undefined) p.n++;
    else {
      // Registered under the joined key too, so flush() sees it; labels() runs once per series.
      const entry = { labels: labels(), n: 1 };
      this.pending.set(`${a}\n${b}\n${c}`, entry);
      byC.set(c, entry);
    }
  }

  private flush(): void {
    for (const p of this.pending.values()) {
      if (p.n === 0) continue;
      this.counter.inc(p.labels, p.n);
      p.n = 0;
    }
  }
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: HotCounter<'outcome'>;
  private readonly enrichments: HotCounter<'partner' | 'attribute' | 'form'>;
  private readonly stripped: HotCounter<'header'>;
  private readonly upstreamErrors: Counter<'kind'>;
  private readonly stageErrors: Counter<'stage'>;
  private readonly unverified: Counter;
  private readonly tunnels: Counter<'kind' | 'outcome'>;
  private readonly malformed: Counter<'reason'>;
  private readonly policyInfo: Gauge<'version'>;
  private readonly bindingErrors: Counter<'store'>;
  private readonly cleartext: HotCounter<'partner' | 'attribute'>;
  private readonly tokenResolutions: Counter<'outcome'>;
  private readonly destinationRefusals: Counter<'channel' | 'reason'>;
  private readonly fairShareRefusals: Counter<'reason'>;
  private readonly cache = new Map<string, { inc(n?: number): void }>();
  private readonly latencyPlain: HotSeries;
  private readonly latencyEnriched: HotSeries;

  /** `defaultMetrics`: the Node.js process metrics; `gcMetrics`: with nodejs_gc_duration_seconds among them (admin.gcMetrics). */
  constructor(opts: { defaultMetrics?: boolean; gcMetrics?: boolean } = {}) {
    const r = this.registry;
    // Node.js process metrics under their stock names (process_*, nodejs_*) so stock Node.js dashboards work.
    if (opts.defaultMetrics) registerProcessMetrics(r, { gcDurations: opts.gcMetrics === true });
    this.requests = new HotCounter({ name: 'hedge_requests_total', help: 'Proxied HTTP requests by outcome', labelNames: ['outcome'], registers: [r] });
    this.enrichments = new HotCounter({
      name: 'hedge_enrichments_total',
      help: 'Headers added for partners, by partner, attribute and form',
      labelNames: ['partner', 'attribute', 'form'],
      registers: [r],
    });
    this.stripped = new HotCounter({
      name: 'hedge_inbound_identity_stripped_total',
      help: 'Identity headers sent by clients and removed, by canonical header name',
      labelNames: ['header'],
      registers: [r],
    });
    this.upstreamErrors = new Counter({ name: 'hedge_upstream_errors_total', help: 'Failures reaching origins, by kind', labelNames: ['kind'], registers: [r] });
    // Registered in the registry; the request path holds only its two series.
    const latency = new HotHistogram({
      name: 'hedge_request_duration_seconds',
      help: 'Time from request head received to response head sent',
      labelNames: ['enriched'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [r],
    });
    this.stageErrors = new Counter({
      name: 'hedge_stage_errors_total',
      help: 'Pipeline stages that threw (request continued without enrichment or was refused)',
      labelNames: ['stage'],
      registers: [r],
    });
    this.unverified = new Counter({
      name: 'hedge_unverified_destination_total',
      help: 'Transparent-mode requests whose Host did not match the original destination (forwarded without enrichment)',
      registers: [r],
    });
    this.tunnels = new Counter({ name: 'hedge_tunnels_total', help: 'CONNECT tunnels and protocol upgrades, never enriched', labelNames: ['kind', 'outcome'], registers: [r] });
    this.malformed = new Counter({
      name: 'hedge_malformed_requests_total',
      help: 'Requests refused for malformed or ambiguous framing, by reason',
      labelNames: ['reason'],
      registers: [r],
    });
    // Gauges say how they combine under --workers (the primary's AggregatorRegistry sums by default):
    // a state or a timestamp summed over N workers reads as N, or as a date N times now, and the alerts on it never fire.
    this.policyInfo = new Gauge({ name: 'hedge_policy_info', help: 'The policy version in force (value 1)', labelNames: ['version'], registers: [r], aggregator: 'max' });
    this.bindingErrors = new Counter({
      name: 'hedge_binding_store_errors_total',
      help: 'Binding lookups that failed (request continued without enrichment)',
      labelNames: ['store'],
      registers: [r],
    });
    this.cleartext = new HotCounter({
      name: 'hedge_cleartext_disclosures_total',
      help: 'Raw identifiers sent to a partner over plain HTTP (grants with cleartext: allowed), by partner and attribute',
      labelNames: ['partner', 'attribute'],
      registers: [r],
    });
    this.tokenResolutions = new Counter({
      name: 'hedge_token_resolutions_total',
      help: 'Token resolutions through the admin API, by outcome (resolved, expired, invalid)',
      labelNames: ['outcome'],
      registers: [r],
    });
    this.destinationRefusals = new Counter({
      name: 'hedge_destination_refusals_total',
      help: 'Connections the destination policy refused (loopback, own listeners, private ranges, proxy.destinations.deny), by channel and reason',
      labelNames: ['channel', 'reason'],
      registers: [r],
    });
    this.fairShareRefusals = new Counter({
      name: 'hedge_fair_share_refusals_total',
      help: 'Requests refused or cut so that no client holds more than its share of an upstream pool, by reason',
      labelNames: ['reason'],
      registers: [r],
    });
    this.latencyPlain = latency.seriesFor({ enriched: 'no' });
    this.latencyEnriched = latency.seriesFor({ enriched: 'yes' });
  }

  private child(key: string, make: () => { inc(n?: number): void }) {
    let c = this.cache.get(key);
    if (!c) {
      c = make();
      this.cache.set(key, c);
    }
    return c;
  }

  request(outcome: Outcome): void {
    this.requests.inc(outcome, () => ({ outcome }));
  }
  enrichment(partner: string, attribute: string, form: string): void {
    this.enrichments.inc3(partner, attribute, form, () => ({ partner, attribute, form }));
  }
  cleartextDisclosure(partner: string, attribute: string): void {
    this.cleartext.inc3(partner, attribute, '', () => ({ partner, attribute }));
  }
  tokenResolution(outcome: 'resolved' | 'expired' | 'invalid'): void {
    this.child('tr:' + outcome, () => this.tokenResolutions.labels(outcome)).inc();
  }
  strippedHeader(header: string): void {
    this.stripped.inc(header, () => ({ header }));
  }
  upstreamError(kind: UpstreamErrorKind): void {
    this.child('u:' + kind, () => this.upstreamErrors.labels(kind)).inc();
  }
  destinationRefused(channel: DestinationChannel, reason: string): void {
    this.child(`d:${channel}:${reason}`, () => this.destinationRefusals.labels(channel, reason)).inc();
  }
  fairShareRefused(reason: FairShareReason): void {
    this.child('f:' + reason, () => this.fairShareRefusals.labels(reason)).inc();
  }
  stageError(stage: string): void {
    this.child('st:' + stage, () => this.stageErrors.labels(stage)).inc();
  }
  unverifiedDestination(): void {
    this.unverified.inc();
  }
  tunnel(kind: 'connect' | 'upgrade', outcome: 'opened' | 'failed' | 'refused' | 'declined' | 'internal' | 'abandoned'): void {
    this.child(`t:${kind}:${outcome}`, () => this.tunnels.labels(kind, outcome)).inc();
  }
  malformedRequest(reason: string): void {
    this.child('m:' + reason, () => this.malformed.labels(reason)).inc();
  }
  bindingStoreError(store: string): void {
    this.child('b:' + store, () => this.bindingErrors.labels(store)).inc();
  }
  observeLatency(seconds: number, enriched: boolean): void {
    (enriched ? this.latencyEnriched : this.latencyPlain).observe(seconds);
  }
  setPolicyVersion(version: string): void {
    this.policyInfo.reset();
    this.policyInfo.labels(version).set(1);
  }
  /** Registers a gauge computed at scrape time. */
  gauge(name: string, help: string, collect: () => number | Promise<number>, aggregator: Aggregator = 'sum'): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      aggregator,
      async collect() {
        this.set(await collect());
      },
    });
  }
  text(): Promise<string> {
    return this.registry.metrics();
  }
  /** One sample's value (tests and the dashboard). */
  async value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const m = await this.registry.getSingleMetric(name)?.get();
    if (!m) return 0;
    let sum = 0;
    for (const v of m.values) {
      const l = v.labels as Record<string, string | number>;
      if (Object.entries(labels).every(([k, val]) => String(l[k]) === val)) sum += v.value;
    }
    return sum;
  }
}
