// Bindings (an address and its subscriber's number) must not cross a network
// to Redis in cleartext. A store named rediss://, rediss-cluster:// or
// rediss-sentinel:// speaks TLS on every connection — to the server, to the
// nodes a cluster redirects to, to the sentinels and the primary they name —
// and checks the servers' certificates against subscribers.redis.tls.ca.
// Real servers, TLS only (port 0), from the installed binaries; a lab CA made
// with openssl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisBindingStore } from '../../src/identity/redis-store.js';
import { createBindingStore } from '../../src/identity/create-store.js';
import { redisTlsMaterial } from '../../src/identity/redis-tls.js';
import { parseConfig } from '../../src/config/load.js';
import { makeLabPki, type LabPki } from '../helpers/pki.js';
import { startRedisCluster, startRedisSentinel, startRedisTls, type Topology } from '../helpers/redis-topologies.js';

const PREFIX = `hedge-tls-${process.pid}-${randomBytes(4).toString('hex')}:`;
let pki: LabPki;
let otherCa: LabPki;
const topologies = new Map<string, Topology>();
const skipped: string[] = [];
const opened: RedisBindingStore[] = [];

before(async () => {
  pki = makeLabPki(['127.0.0.1', 'localhost'], 'hedge-redis');
  otherCa = makeLabPki(['127.0.0.1'], 'not-the-redis-ca');
  for (const [kind, start] of [
    ['rediss', startRedisTls],
    ['rediss-cluster', startRedisCluster],
    ['rediss-sentinel', startRedisSentinel],
  ] as const) {
    const t = await start(pki);
    if (typeof t === 'string') skipped.push(t);
    else topologies.set(kind, t);
  }
  for (const s of skipped) console.log(`# skipped: ${s}`);
});

after(async () => {
  for (const s of opened) await s.close();
  for (const t of topologies.values()) await t.stop();
  pki?.cleanup();
  otherCa?.cleanup();
});

function store(spec: string, ca: Buffer): RedisBindingStore {
  const s = new RedisBindingStore(spec, { keyPrefix: PREFIX + randomBytes(2).toString('hex') + ':', timeoutMs: 1000, maxStaleMs: 0, tls: { ca } });
  opened.push(s);
  return s;
}

const binding = (ip: string) => ({
  ip,
  subscriber: { msisdn: '+447700900123', source: 'radius' as const },
  sessionId: 's-' + ip,
  nas: 'nas-a',
  updatedAt: Date.now(),
  expiresAt: Date.now() + 60_000,
});

for (const kind of ['rediss', 'rediss-cluster', 'rediss-sentinel']) {
  test(`${kind}://: bindings are written and read over TLS, the servers' certificates checked against the configured CA`, async (t) => {
    const topo = topologies.get(kind);
    if (!topo) return t.skip(skipped.join('; '));
    assert.ok(topo.spec.startsWith(`${kind}://`));
    const s = store(topo.spec, pki.ca);
    assert.ok(await s.waitReady(15_000), `${kind} reachable over TLS`);
    await s.set(binding('10.64.0.7'));
    assert.equal((await s.lookup('10.64.0.7'))?.msisdn, '+447700900123');
  });
}

test('a server whose certificate another CA signed is not trusted: the store stays down and lookups fail closed', async (t) => {
  const topo = topologies.get('rediss');
  if (!topo) return t.skip(skipped.join('; '));
  const s = store(topo.spec, otherCa.ca);
  assert.equal(await s.waitReady(1500), false, 'no connection to a server the CA did not vouch for');
  await assert.rejects(Promise.resolve(s.lookup('10.64.0.8')), 'a lookup fails (the request goes on unenriched) instead of trusting an unverified server');
});

test('the gateway reads subscribers.redis.tls from the config file (paths relative to it) and connects', async (t) => {
  const topo = topologies.get('rediss');
  if (!topo) return t.skip(skipped.join('; '));
  const file = join(pki.dir, 'hedge.yaml');
  const yaml = `operator: { name: Test Mobile, country: GB }
subscribers:
  store: ${topo.spec}
  redis:
    keyPrefix: "${PREFIX}cfg:"
    tls: { ca: ca.pem }
partners: []
`;
  writeFileSync(file, yaml);
  const loaded = parseConfig(yaml, file);
  const s = await createBindingStore(loaded.config.subscribers.store, {
    redis: { ...loaded.config.subscribers.redis, tls: redisTlsMaterial(loaded.config.subscribers.redis.tls, file) },
    maxStaleMs: 0,
  });
  opened.push(s as RedisBindingStore);
  assert.ok(await (s as RedisBindingStore).waitReady(5000));
  await s.set(binding('10.64.0.9'));
  assert.equal((await s.lookup('10.64.0.9'))?.msisdn, '+447700900123');
});
