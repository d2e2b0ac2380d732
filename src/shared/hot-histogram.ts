// A prom-client histogram for the request path. prom-client's observe()
// validates and hashes the label set, then finds the bucket through an object
// keyed by the bound's decimal text: about as much CPU per request as the
// pipeline's own stages. Here each label set is a series resolved once; an
// observation is a scan of a short array of bounds and three additions. What
// the registry exports — text, JSON for cluster aggregation — is built in
// prom-client's own shape from these counts, so scrapes, dashboards, alerts
// and `--workers` aggregation see the same series (test/shared/hot-histogram
// checks it against a prom-client Histogram fed the same values).
import { Histogram, type HistogramConfiguration, type LabelValues, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';

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

type Values<L extends string> = MetricObjectWithValues<MetricValueWithName<L>>;

export class HotHistogram<L extends string> extends Histogram<L> {
  private readonly bounds: readonly number[];
  /** The export's head as prom-client fills it in (its Metric declares these fields untyped). */
  private readonly head: { name: string; help: string; type: 'histogram'; aggregator: string };
  /** Series in the order of their first observation (prom-client exports in that order too). */
  private readonly observed: HotSeries[] = [];
  private readonly series = new Map<string, HotSeries>();

  constructor(config: HistogramConfiguration<L> & { buckets: number[] }) {
    super(config);
    // In the order given, as prom-client keeps them (an observation goes to the first bound it does not exceed).
    this.bounds = [...config.buckets];
    this.head = { name: config.name, help: config.help, type: 'histogram', aggregator: config.aggregator ?? 'sum' };
    // prom-client lists an unlabelled histogram's one series from the start, at zero.
    if ((config.labelNames ?? []).length === 0) {
      const s = this.seriesFor({} as LabelValues<L>);
      s.listed = true;
      this.observed.push(s);
    }
  }

  /** The series of one label set, to observe on directly; resolve it once, outside the request path. */
  seriesFor(labels: LabelValues<L>): HotSeries {
    const values = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
    const key = JSON.stringify(
      Object.keys(values)
        .sort()
        .map((k) => [k, values[k]]),
    );
    let s = this.series.get(key);
    if (s === undefined) {
      s = new HotSeries(this.bounds, values, (first) => {
        first.listed = true;
        this.observed.push(first);
      });
      this.series.set(key, s);
    }
    return s;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist: nothing to clear yet.
    if ((this.observed as HotSeries[] | undefined) === undefined) return;
    for (const s of this.observed) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.listed = false;
    }
    this.observed.length = 0;
  }

  /** The registry's text exposition reads this (labels and shared labels apart, as prom-client's). */
  async getForPromString(): Promise<Values<L>> {
    return this.export(false);
  }

  override async get(): Promise<Values<L>> {
    return this.export(true);
  }

  private export(splay: boolean): Values<L> {
    const { name } = this.head;
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
    return { ...this.head, values } as unknown as Values<L>;
  }
}
