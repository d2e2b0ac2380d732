// The canary sentinel on a healthy gateway: runs at start and on its
// interval, probes every partner host and the built-in non-partner hosts,
// reports through the admin API and metrics, and never sends its traffic to
// a real site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway } from '../../src/node/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { demoConfig, startLab, DEMO_YAML } from '../helpers/gateway.js';
import type { CanaryResult } from '../../src/canary/canary.js';

test('the canary passes on the demo network, probing every partner host and the canary hosts, without touching real sites', async () => {
  const seen: unknown[] = [];
  const origin = await startEchoOrigin('127.0.0.1', 0, (req) => seen.push(req.headers['x-hedge-canary']));
  const gw = await startGateway(
    demoConfig(origin, (y) => y + '\ncanary:\n  intervalSeconds: 1\n'),
    { log: silentLogger },
  );
  try {
    const status = (await (await fetch(`${gw.adminUrl}/canary`)).json()) as { enabled: boolean; source: string; last: CanaryResult; enrichmentEnabled: boolean };
    assert.equal(status.enabled, true);
    assert.equal(status.source, '127.0.0.254');
    assert.equal(status.enrichmentEnabled, true);
    assert.equal(status.last.ok, true, JSON.stringify(status.last.findings));
    assert.equal(status.last.trigger, 'start');
    const hosts = status.last.probes.map((p) => `${p.host}/${p.partner ?? '-'}`).sort();
    assert.deepEqual(hosts, [
      'hedge-canary.agegate.example/agegate',
      'hedge-canary.invalid/-',
      'my.operator.example/selfcare',
      'pay.billing.example/billing',
      'wap.operator.example/legacy-wap',
      'www.hedge-canary.invalid/-',
    ]);
    assert.deepEqual(status.last.findings, [], 'every grant arrived, nothing else');
    // Runs again on its interval.
    for (let i = 0; i < 100 && (await gw.metrics.value('hedge_canary_runs_total', { trigger: 'interval' })) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await gw.metrics.value('hedge_canary_runs_total', { trigger: 'interval', result: 'pass' })) >= 1);
    assert.equal(await gw.metrics.value('hedge_canary_last_run_ok'), 1);
    assert.ok((await gw.metrics.value('hedge_canary_last_run_timestamp_seconds')) > 0);
    // A manual run through the admin API.
    const run = (await (await fetch(`${gw.adminUrl}/canary/run`, { method: 'POST' })).json()) as CanaryResult;
    assert.equal(run.ok, true);
    assert.equal(run.trigger, 'manual');
    assert.deepEqual(
      seen.filter((v) => v !== undefined),
      [],
      'canary traffic never reached the sites',
    );
    // Its binding is in the store, marked as the canary's.
    const b = (await (await fetch(`${gw.adminUrl}/bindings/127.0.0.254`)).json()) as { source: string };
    assert.equal(b.source, 'canary');
  } finally {
    await gw.stop(200);
    await origin.close();
  }
});

test('with canary.enabled: false the admin API says so', async () => {
  const lab = await startLab({ edit: (y) => y + '\ncanary:\n  enabled: false\n' });
  try {
    assert.deepEqual(await (await fetch(`${lab.gw.adminUrl}/canary`)).json(), { enabled: false });
    const r = await fetch(`${lab.gw.adminUrl}/canary/run`, { method: 'POST' });
    assert.equal(r.status, 409);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_CANARY_DISABLED');
  } finally {
    await lab.close();
  }
});

test('canary config errors name file, line and key', () => {
  const bad = (extra: string) => {
    try {
      parseConfig(DEMO_YAML + extra, 'demo.yaml');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((i) => `${i.line} ${i.key}: ${i.message}`);
    }
    assert.fail('expected a config error');
  };
  const lines = DEMO_YAML.split('\n').length;
  const a = bad('\ncanary:\n  source: 10.0.0.1\n');
  assert.ok(
    a.some((m) => m.startsWith(`${lines + 2} canary.source:`) && m.includes('loopback')),
    a.join('\n'),
  );
  const b = bad('\ncanary:\n  source: 127.0.0.1\n');
  assert.ok(
    b.some((m) => m.includes('canary.source') && m.includes('static subscriber')),
    b.join('\n'),
  );
  const c = bad('\ncanary:\n  subscriber:\n    msisdn: "12"\n');
  assert.ok(
    c.some((m) => m.includes('canary.subscriber.msisdn')),
    c.join('\n'),
  );
  const d = bad('\ncanary:\n  onFailure: panic\n');
  assert.ok(
    d.some((m) => m.includes('canary.onFailure')),
    d.join('\n'),
  );
});
