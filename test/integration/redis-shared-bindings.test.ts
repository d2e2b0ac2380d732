// Issue "Real subscriber sessions", acceptance: two gateway processes share one
// real Redis. A binding made through one (RADIUS) is used by the other; a
// reassignment through one is seen by the other within subscribers.maxStaleMs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { redisService, type Service, dropKeysAndStop } from '../helpers/services.js';
import { NAS_SECRET, radiusYaml } from '../helpers/radius.js';
import { portOf, spawnHedge, writeConfig, type HedgeProcess } from '../helpers/hedge-process.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';

const PREFIX = `hedge-test-${process.pid}-${randomBytes(4).toString('hex')}:`;
let redis: Service | string;
let origin: EchoOrigin;
const nodes: HedgeProcess[] = [];
const cleanups: (() => void)[] = [];
let a: { proxy: number; radius: number };
let b: { proxy: number };

function nodeYaml(withRadius: boolean, redisUrl: string): string {
  let y = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0')
    .replace('store: memory', `store: ${redisUrl}\n  redis:\n    keyPrefix: "${PREFIX}"\n  maxStaleMs: 1000`);
  if (withRadius) y = y.replace(/^partners:/m, radiusYaml() + 'partners:');
  return y;
}

before(async () => {
  redis = await redisService();
  if (typeof redis === 'string') return;
  origin = await startEchoOrigin('127.0.0.1', 0);
  for (const withRadius of [true, false]) {
    const cfg = writeConfig(nodeYaml(withRadius, redis.url));
    cleanups.push(cfg.cleanup);
    nodes.push(spawnHedge(['start', '-c', cfg.file]));
  }
  const [la, lb] = await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === 'hedge started', 90_000)));
  a = { proxy: portOf(la!.proxy), radius: portOf(la!.radius) };
  b = { proxy: portOf(lb!.proxy) };
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  for (const c of cleanups) c();
  await origin?.close();
  if (typeof redis !== 'string') await dropKeysAndStop(redis, PREFIX);
});

const numberVia = async (proxyPort: number, source: string) => {
  const r = await viaProxy({ port: proxyPort }, 'http://my.operator.example/', { localAddress: source });
  assert.equal(r.status, 200);
  return r.json().headers['x-msisdn'] as string | undefined;
};

test('a binding made through one node is used by the other; a reassignment is seen within the bound', async (t) => {
  if (typeof redis === 'string') return t.skip(redis);
  await sendAccounting('127.0.0.1', a.radius, NAS_SECRET, { status: 'start', framedIp: '10.0.0.21', msisdn: '447700900221', sessionId: 'r-221' });
  assert.equal(await numberVia(b.proxy, '127.0.0.21'), '+447700900221', 'node B enriches with the binding node A received');
  assert.equal(await numberVia(a.proxy, '127.0.0.21'), '+447700900221');

  // Node B has now read (and may cache) the binding. Reassign the address through node A.
  await sendAccounting('127.0.0.1', a.radius, NAS_SECRET, { status: 'start', framedIp: '10.0.0.21', msisdn: '447700900222', sessionId: 'r-222' });
  const acked = Date.now();
  // However B caches, once the bound has passed since the reassignment was acknowledged it must use the new holder.
  await new Promise((r) => setTimeout(r, Math.max(0, acked + 1000 - Date.now()) + 20));
  assert.equal(await numberVia(b.proxy, '127.0.0.21'), '+447700900222', 'no stale binding beyond maxStaleMs');

  // Stop through A: B stops enriching within the bound too.
  await sendAccounting('127.0.0.1', a.radius, NAS_SECRET, { status: 'stop', framedIp: '10.0.0.21', sessionId: 'r-222' });
  const stopped = Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, stopped + 1000 - Date.now()) + 20));
  assert.equal(await numberVia(b.proxy, '127.0.0.21'), undefined);
});
