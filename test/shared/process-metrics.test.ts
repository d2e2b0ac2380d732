// The process metrics keep prom-client's stock names, types and help (stock
// Node.js dashboards read them): exactly collectDefaultMetrics' set with
// admin.gcMetrics on, that set without nodejs_gc_duration_seconds — and no
// garbage-collection tracking at all — with it off (the default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerProcessMetrics } from '../../src/shared/process-metrics.js';
import { Metrics } from '../../src/shared/metrics.js';
import { parseConfig } from '../../src/config/load.js';
import { PIPELINE_YAML } from '../helpers/pipeline.js';

async function shape(r: Registry): Promise<[string, string][]> {
  return (await r.getMetricsAsJSON()).map((m) => [m.name, `${m.type} ${m.help}`] as [string, string]).sort();
}

/** The entry types observed while `fn` runs. */
function observedTypes(fn: () => void): string[] {
  const seen: string[] = [];
  const observe = PerformanceObserver.prototype.observe;
  PerformanceObserver.prototype.observe = function (this: PerformanceObserver, opts: Parameters<typeof observe>[0]) {
    seen.push(...('entryTypes' in opts ? opts.entryTypes : [opts.type]));
    return observe.call(this, opts);
  };
  try {
    fn();
  } finally {
    PerformanceObserver.prototype.observe = observe;
  }
  return seen;
}

test("with gcDurations: exactly collectDefaultMetrics' metrics", async () => {
  const stock = new Registry();
  collectDefaultMetrics({ register: stock });
  const ours = new Registry();
  const types = observedTypes(() => registerProcessMetrics(ours, { gcDurations: true }));
  assert.deepEqual(await shape(ours), await shape(stock));
  assert.ok(types.includes('gc'));
});

test('without: the same set less nodejs_gc_duration_seconds, and nothing observes garbage collections', async () => {
  const stock = new Registry();
  collectDefaultMetrics({ register: stock });
  const ours = new Registry();
  const types = observedTypes(() => registerProcessMetrics(ours, { gcDurations: false }));
  const expected = (await shape(stock)).filter(([name]) => name !== 'nodejs_gc_duration_seconds');
  assert.ok(expected.length > 10 && expected.some(([n]) => n === 'process_cpu_user_seconds_total') && expected.some(([n]) => n === 'nodejs_eventloop_lag_seconds'));
  assert.deepEqual(await shape(ours), expected);
  assert.deepEqual(types, []);
});

test('admin.gcMetrics is off unless the config says so, and reaches the registry', async () => {
  const off = parseConfig(PIPELINE_YAML, 'off.yaml');
  const on = parseConfig(`${PIPELINE_YAML}\nadmin: { gcMetrics: true }\n`, 'on.yaml');
  assert.equal(off.config.admin.gcMetrics, false);
  assert.equal(on.config.admin.gcMetrics, true);
  const names = async (m: Metrics) => (await m.registry.getMetricsAsJSON()).map((x) => x.name);
  assert.ok(!(await names(new Metrics({ defaultMetrics: true, gcMetrics: off.config.admin.gcMetrics }))).includes('nodejs_gc_duration_seconds'));
  assert.ok((await names(new Metrics({ defaultMetrics: true, gcMetrics: on.config.admin.gcMetrics }))).includes('nodejs_gc_duration_seconds'));
});
