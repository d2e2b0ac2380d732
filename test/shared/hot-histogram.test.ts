// The request-path histogram exports exactly what a prom-client Histogram fed
// the same observations exports: the text a scrape reads, the JSON a
// `--workers` primary aggregates, and the aggregate itself; also after reset,
// and for an unlabelled histogram (listed at zero from the start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { HotHistogram } from '../../src/shared/hot-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Values on, between, below and beyond the bounds. */
const SAMPLES = [0, 0.0005, 0.0004, 0.00051, 0.003, 0.01, 0.0999, 0.1, 0.7, 2.5, 9.99, 10, 10.0001, 42];

function pair(labelNames: string[]) {
  const a = new Registry();
  const b = new Registry();
  const config = { name: 'hedge_test_duration_seconds', help: 'Test histogram', labelNames, buckets: BUCKETS };
  const reference = new Histogram({ ...config, registers: [a] });
  const hot = new HotHistogram({ ...config, registers: [b] });
  return { a, b, reference, hot };
}

async function assertSameExport(a: Registry, b: Registry, what: string) {
  assert.equal(await b.metrics(), await a.metrics(), `${what}: text exposition`);
  assert.deepEqual(await b.getMetricsAsJSON(), await a.getMetricsAsJSON(), `${what}: JSON for cluster aggregation`);
}

test('a labelled histogram exports what prom-client exports for the same observations', async () => {
  const { a, b, reference, hot } = pair(['enriched']);
  await assertSameExport(a, b, 'before any observation');
  const yes = hot.seriesFor({ enriched: 'yes' });
  const no = hot.seriesFor({ enriched: 'no' });
  // "yes" is resolved first but observed second: the export lists series in the order of first observation.
  for (const v of SAMPLES) {
    reference.labels('no').observe(v);
    no.observe(v);
  }
  for (const v of SAMPLES.slice(3)) {
    reference.labels('yes').observe(v);
    yes.observe(v);
  }
  await assertSameExport(a, b, 'after observations');
  reference.reset();
  hot.reset();
  await assertSameExport(a, b, 'after reset');
  reference.labels('yes').observe(0.02);
  yes.observe(0.02);
  await assertSameExport(a, b, 'observed again after reset');
});

test('an unlabelled histogram is listed at zero from the start, as prom-client lists it', async () => {
  const { a, b, reference, hot } = pair([]);
  await assertSameExport(a, b, 'at start');
  const only = hot.seriesFor({});
  for (const v of SAMPLES) {
    reference.observe(v);
    only.observe(v);
  }
  await assertSameExport(a, b, 'after observations');
});

test('the --workers aggregate of two workers is the same', async () => {
  const workers = [pair(['enriched']), pair(['enriched'])];
  workers.forEach((w, i) => {
    for (const v of SAMPLES.slice(i)) {
      w.reference.labels(i ? 'yes' : 'no').observe(v);
      w.hot.seriesFor({ enriched: i ? 'yes' : 'no' }).observe(v);
    }
  });
  const reference = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.a.getMetricsAsJSON())));
  const hot = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.b.getMetricsAsJSON())));
  assert.equal(await hot.metrics(), await reference.metrics());
});

test('a label the histogram does not have is refused when its series is resolved, not on observe', () => {
  const { hot } = pair(['enriched']);
  assert.throws(() => hot.seriesFor({ partner: 'x' } as never), /has no label "partner"/);
  assert.throws(() => new HotHistogram({ name: 'x', help: 'x', labelNames: ['le'], buckets: BUCKETS }), /invalid label name/);
});

test('a value that is not a finite number is not counted (prom-client would throw in the request path)', async () => {
  const { b, hot } = pair(['enriched']);
  const s = hot.seriesFor({ enriched: 'no' });
  s.observe(Number.NaN);
  s.observe(Number.POSITIVE_INFINITY);
  assert.equal(s.count, 0);
  assert.equal(await b.metrics(), '# HELP hedge_test_duration_seconds Test histogram\n# TYPE hedge_test_duration_seconds histogram\n');
});
