// deploy/grafana/hedge.json and deploy/prometheus/alerts.yml name only metrics
// the gateway really exports: every metric in every query is checked against
// the /metrics of a running gateway with every part on (Redis bindings,
// RADIUS, the audit, the canary). Node.js process metrics carry their stock
// names (process_*, nodejs_*) so stock Node.js dashboards work too.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { useAuditBackend } from '../helpers/audit.js';
import { redisService } from '../helpers/services.js';
import { withRadius } from '../helpers/radius.js';
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { portOf } from '../helpers/hedge-process.js';

/** Metrics only a `--workers` node exports (its primary's): checked against a running cluster instead. */
const clusterOnly = (name: string) => name.startsWith('hedge_cluster_');

function alertExprs(): string[] {
  const rules = (parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
  return rules.map((r) => r.expr);
}

const FUNCTIONS_AND_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or Grafana variables. */
export function metricNames(expr: string): string[] {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\w+/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = e.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || FUNCTIONS_AND_KEYWORDS.has(m[0].toLowerCase())) continue;
    if (/^\d/.test(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

function exported(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      out.add(type[1]!);
      if (type[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(type[1]! + s);
      if (type[2] === 'summary') for (const s of ['_sum', '_count']) out.add(type[1]! + s);
    } else if (line && !line.startsWith('#')) out.add(line.split(/[{ ]/)[0]!);
  }
  return out;
}

function dashboardExprs(): string[] {
  const d = JSON.parse(readFileSync('deploy/grafana/hedge.json', 'utf8')) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { definition?: string }[] } };
  const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const v of d.templating.list) {
    const m = /label_values\((\w+)/.exec(v.definition ?? '');
    if (m) exprs.push(m[1]!);
  }
  return exprs;
}

test('the metric-name reader sees metrics, not functions, labels or variables', () => {
  assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(hedge_x_bucket{instance=~"$instance", a="b"}[$__rate_interval])))'), ['hedge_x_bucket']);
  assert.deepEqual(metricNames('time() - max(hedge_y{instance=~"$instance"}) > 3 * 60 or hedge_z == 0'), ['hedge_y', 'hedge_z']);
});

describe('dashboard and alerts against /metrics', () => {
  const audit = useAuditBackend('sqlite');

  test('every metric in deploy/grafana/hedge.json and alerts.yml is exported by a running gateway', async (t) => {
    if (audit.skip) return t.skip(audit.skip);
    const redis = await redisService();
    if (typeof redis === 'string') return t.skip(redis);
    const loc = audit.be!.fresh();
    const prefix = `hedge-dash-${randomBytes(4).toString('hex')}:`;
    const lab = await startLab({
      edit: (y) => withRadius()(y).replace('store: memory', `store: ${redis.url}\n  redis: { keyPrefix: "${prefix}" }`) + audit.be!.yaml(loc, { node: 'gw-dash', canary: true }),
    });
    try {
      await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
      const text = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
      const have = exported(text);
      const dash = dashboardExprs();
      assert.ok(dash.length >= 25, 'the dashboard has its panels');
      const missing: string[] = [];
      for (const expr of [...dash, ...alertExprs()]) for (const n of metricNames(expr)) if (!clusterOnly(n) && !have.has(n)) missing.push(`${n} (in ${expr.slice(0, 80)})`);
      assert.deepEqual(missing, [], 'metrics queried but not exported');
      for (const stock of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds'])
        assert.ok(have.has(stock), `${stock} under its stock name`);
      assert.ok(![...have].some((n) => n.startsWith('hedge_process_')), 'no hedge_process_* prefix any more');
    } finally {
      await lab.close();
      await redis.stop();
    }
  });
});

test('every --workers metric in the dashboard and the alerts is exported by a running cluster', { timeout: 120_000 }, async () => {
  const names = [...dashboardExprs(), ...alertExprs()].flatMap((e) => metricNames(e)).filter(clusterOnly);
  assert.ok(names.length > 0, 'the alerts name a --workers metric');
  const c = await startDemoCluster();
  try {
    const text = await (await fetch(`http://127.0.0.1:${portOf(c.started()[0]!.admin)}/metrics`)).text();
    const have = exported(text);
    assert.deepEqual(
      names.filter((n) => !have.has(n)),
      [],
      'queried but not exported by the cluster',
    );
  } finally {
    await c.stop();
  }
});
