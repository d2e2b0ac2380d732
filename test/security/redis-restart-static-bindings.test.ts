// Threat (issue 10, finding 5): Redis restarts empty (no persistence, a
// failover to an empty replica, an operator's FLUSHALL) and the operator's
// `subscribers.static` bindings are gone for good: enrichment silently stops
// for them, no alert, the canary stays green. They must come back by
// themselves when the store returns, be checked while it is up, and their
// absence must raise an alert.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { startThrowawayRedis, unavailable } from '../helpers/services.js';
import { ALERT_STATIC_BINDINGS } from '../../src/identity/static-bindings.js';

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const skip = hasRedis ? undefined : unavailable('Redis', 'no redis-server binary to start a throwaway server');
let redis: Awaited<ReturnType<typeof startThrowawayRedis>>;
let lab: Lab;

before(async () => {
  if (skip) return;
  redis = await startThrowawayRedis();
  const prefix = `hedge-static-${randomBytes(4).toString('hex')}:`;
  lab = await startLab({
    edit: (y) => y.replace('store: memory', `store: ${redis.url}\n  staticCheckSeconds: 1\n  redis:\n    keyPrefix: "${prefix}"\n    timeoutMs: 200`),
  });
});
after(async () => {
  await lab?.close();
  await redis?.stop();
});

const numberAt = async (source: string) => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: source });
  assert.equal(r.status, 200);
  return r.json().headers['x-msisdn'] as string | undefined;
};

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const staticAlerts = () => lab.gw.alerts.recent().filter((e) => e.kind === ALERT_STATIC_BINDINGS).length;

test('Redis restarts empty: static bindings are written back, the loss is alerted', { skip }, async () => {
  assert.equal(await numberAt('127.0.0.1'), '+447700900123');
  const alertsBefore = staticAlerts();

  await redis.kill();
  await waitFor(async () => (await numberAt('127.0.0.1')) === undefined);
  await redis.restart(); // empty: no persistence
  await waitFor(async () => (await numberAt('127.0.0.1')) === '+447700900123');
  assert.ok(staticAlerts() > alertsBefore, 'the missing static binding was alerted');
  assert.equal(await lab.gw.metrics.value('hedge_static_bindings_missing'), 0, 'none missing once restored');
  assert.ok((await lab.gw.metrics.value('hedge_static_bindings_restored_total')) >= 1);
});

test('static bindings flushed while the connection stays up: the periodic check restores them', { skip }, async () => {
  const alertsBefore = staticAlerts();
  const direct = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await direct.connect();
    await direct.flushall();
  } finally {
    direct.disconnect();
  }
  await waitFor(async () => (await numberAt('127.0.0.1')) === '+447700900123');
  await waitFor(async () => staticAlerts() > alertsBefore);
  const health = (await (await fetch(`${lab.gw.adminUrl}/health`)).json()) as { staticBindings?: { configured: number; missing: number } };
  assert.deepEqual(health.staticBindings, { configured: 1, missing: 0 });
});
