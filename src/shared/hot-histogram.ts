// A Prometheus histogram for the request path. prom-client's observe()
// validates and hashes the label set, then finds the bucket through an object
// keyed by the bound's decimal text: as much CPU per request as the pipeline's
// own stages. Here each label set is a series resolved once; an observation is
// a scan of a short array of bounds and three additions. What the registry
// exports — text, JSON for cluster aggregation — is built in prom-client's own
// shape from these counts, so scrapes, dashboards, alerts and `--workers`
// aggregation see the same series (test/shared/hot-histogram checks it against
// a prom-client Histogram fed the same values).
//
// It is registered with prom-client's Registry as a metric of its own rather
// than a Histogram subclass: a subclass would inherit observe(), labels() and
// zero(), which would count where the export does not look.
import type { Aggregator, LabelValues, Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

/** One label set's counts. */
export class HotSeries {
  /** Observations per bucket (not cumulative), one per upper bound, then one past the last bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** In the histogram's export list (from the first observation until a reset). */
  listed = false;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
    private readonly onFirst: (s: HotSeries) => void,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // prom-client throws here; a request's latency is always finite, and the request path must not throw for a metric.
    if (!Number.isFinite(value)) return;
    if (!this.listed) this.onFirst(this);
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export interface HotHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Upper bounds, in the order prom-client would be given them (an observation goes to the first it does not exceed). */
  buckets: readonly number[];
  registers?: Registry[];
  /** How `--workers` combines the workers' series (prom-client's default for histograms: sum). */
  aggregator?: Aggregator;
}

type Values<L extends string> = MetricObjectWithValues<MetricValueWithName<L>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class HotHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator: Aggregator;
  private readonly labelNames: ReadonlySet<string>;
  private readonly bounds: readonly number[];
  /** Series in the order of their first observation (prom-client exports in that order too). */
  private readonly observed: HotSeries[] = [];
  private readonly series = new Map<string, HotSeries>();

  constructor(config: HotHistogramConfig<L>) {
    if (!METRIC_NAME.test(config.name)) throw new Error(`invalid metric name: ${config.name}`);
    for (const l of config.labelNames ?? []) if (!LABEL_NAME.test(l) || l === 'le') throw new Error(`invalid label name for a histogram: ${l}`);
    this.name = config.name;
    this.help = config.help;
    this.aggregator = config.aggregator ?? 'sum';
    this.labelNames = new Set(config.labelNames ?? []);
    this.bounds = [...config.buckets];
    // prom-client lists an unlabelled histogram's one series from the start, at zero.
    if (this.labelNames.size === 0) this.list(this.seriesFor({} as LabelValues<L>));
    for (const r of config.registers ?? []) r.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set, to observe on directly; resolve it once, outside the request path. */
  seriesFor(labels: LabelValues<L>): HotSeries {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) {
      if (!this.labelNames.has(k)) throw new Error(`${this.name} has no label "${k}"`);
      if (v !== undefined) values[k] = String(v);
    }
    const key = JSON.stringify(
      Object.keys(values)
        .sort()
        .map((k) => [k, values[k]]),
    );
    let s = this.series.get(key);
    if (s === undefined) {
      s = new HotSeries(this.bounds, values, (first) => this.list(first));
      this.series.set(key, s);
    }
    return s;
  }

  /** Every series back to zero and out of the export until observed again (prom-client's reset). */
  reset(): void {
    for (const s of this.observed) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.listed = false;
    }
    this.observed.length = 0;
  }

  /** The registry's text exposition reads this (labels and shared labels apart, as prom-client's). */
  getForPromString(): Promise<Values<L>> {
    return Promise.resolve(this.export(false));
  }

  /** The registry's JSON (and so the `--workers` aggregation) reads this. */
  get(): Promise<Values<L>> {
    return Promise.resolve(this.export(true));
  }

  private list(s: HotSeries): void {
    s.listed = true;
    this.observed.push(s);
  }

  private export(splay: boolean): Values<L> {
    const { name } = this;
    const bucket = `${name}_bucket`;
    const values: object[] = [];
    const value = (labels: Record<string, string | number>, shared: Readonly<Record<string, string>>, v: number, metricName: string, exemplar: null | undefined) =>
      splay ? { value: v, metricName, exemplar, labels: { ...labels, ...shared } } : { labels, sharedLabels: shared, value: v, metricName, exemplar };
    for (const s of this.observed) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push(value({ le: this.bounds[i]! }, s.labels, acc, bucket, null));
      }
      values.push(value({ le: '+Inf' }, s.labels, s.count, bucket, null));
      values.push(value({}, s.labels, s.sum, `${name}_sum`, undefined));
      values.push(value({}, s.labels, s.count, `${name}_count`, undefined));
    }
    return { name, help: this.help, type: this.type, values, aggregator: this.aggregator } as unknown as Values<L>;
  }
}
