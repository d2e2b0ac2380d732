// Issue "Real subscriber sessions", acceptance: Redis stopped mid-test → no
// enrichment, requests still served, counted and alerted; Redis back →
// enrichment resumes without restarting the gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { startThrowawayRedis, unavailable } from '../helpers/services.js';
import { NAS_SECRET, withRadius } from '../helpers/radius.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';
import { ALERT_BINDING_STORE } from '../../src/identity/store-health.js';

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const skip = hasRedis ? undefined : unavailable('Redis', 'no redis-server binary to start a throwaway server');
let redis: Awaited<ReturnType<typeof startThrowawayRedis>>;
let lab: Lab;

before(async () => {
  if (skip) return;
  redis = await startThrowawayRedis();
  const prefix = `hedge-outage-${randomBytes(4).toString('hex')}:`;
  lab = await startLab({
    edit: (y) => withRadius()(y).replace('store: memory', `store: ${redis.url}\n  redis:\n    keyPrefix: "${prefix}"\n    timeoutMs: 200`),
  });
});
after(async () => {
  await lab?.close();
  await redis?.stop();
});

const numberAt = async (source: string) => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: source });
  assert.equal(r.status, 200, 'requests are served whatever the store does');
  return r.json().headers['x-msisdn'] as string | undefined;
};

async function waitFor(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('Redis down: no enrichment, traffic flows, counted and alerted; Redis back: enrichment resumes', { skip }, async () => {
  const port = lab.gw.radius!.address.port;
  const start = (retries = 0) =>
    sendAccounting('127.0.0.1', port, NAS_SECRET, { status: 'start', framedIp: '10.0.0.31', msisdn: '447700900231', sessionId: 'o-231' }, { timeoutMs: 1000, retries });
  await start(3);
  assert.equal(await numberAt('127.0.0.31'), '+447700900231');

  await redis.kill();
  await waitFor(async () => (await numberAt('127.0.0.31')) === undefined);
  for (let i = 0; i < 5; i++) assert.equal(await numberAt('127.0.0.31'), undefined, 'fails closed while Redis is down');
  assert.ok((await lab.gw.metrics.value('hedge_binding_store_errors_total', { store: 'redis' })) > 0, 'failed lookups counted');
  assert.ok(
    lab.gw.alerts.recent().some((e) => e.kind === ALERT_BINDING_STORE),
    'outage alerted',
  );
  assert.equal(await lab.gw.metrics.value('hedge_binding_store_up'), 0);
  const health = await fetch(`${lab.gw.adminUrl}/health`);
  assert.equal(health.status, 200, 'the admin API still answers');
  const put = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.32`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '+447700900232' }),
  });
  assert.equal(put.status, 503);
  // Accounting is not acknowledged while it cannot be recorded (the NAS retransmits later).
  await assert.rejects(start());
  assert.ok((await lab.gw.metrics.value('hedge_radius_packets_total', { result: 'store_error' })) > 0);

  await redis.restart(); // an empty Redis (no persistence): the NAS's next accounting re-creates the binding
  await waitFor(async () => {
    try {
      await start();
      return true;
    } catch {
      return false;
    }
  });
  await waitFor(async () => (await numberAt('127.0.0.31')) === '+447700900231');
  assert.equal(await lab.gw.metrics.value('hedge_binding_store_up'), 1);
});
