// The binding-store suite: session operations RADIUS relies on and IPv6
// prefix bindings, against every store — memory, a real Redis server, a real
// 3-master Redis Cluster and a real Sentinel-managed primary/replica pair
// (atomic Lua, one hash slot per binding). Same behaviour, same assertions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryBindingStore } from '../../src/identity/memory-store.js';
import { RedisBindingStore } from '../../src/identity/redis-store.js';
import type { BindingRecord, BindingStore } from '../../src/identity/store.js';
import { ErrorCodes } from '../../src/shared/errors.js';
import { redisService, type Service } from '../helpers/services.js';
import { startRedisCluster, startRedisSentinel, type Topology } from '../helpers/redis-topologies.js';

const PREFIX = `hedge-unit-${process.pid}-${randomBytes(4).toString('hex')}:`;
const specs = new Map<string, string>(); // kind → subscribers.store spec
const skipped: string[] = [];
const services: (Service | Topology)[] = [];
const opened: BindingStore[] = [];

before(async () => {
  const single = await redisService();
  if (typeof single === 'string') skipped.push(single);
  else {
    services.push(single);
    specs.set('redis', single.url);
  }
  const cluster = await startRedisCluster();
  if (typeof cluster === 'string') skipped.push(cluster);
  else {
    services.push(cluster);
    specs.set('redis-cluster', cluster.spec);
  }
  const sentinel = await startRedisSentinel();
  if (typeof sentinel === 'string') skipped.push(sentinel);
  else {
    services.push(sentinel);
    specs.set('redis-sentinel', sentinel.spec);
  }
  for (const s of skipped) console.log(`# skipped store: ${s}`);
});

after(async () => {
  for (const s of opened) await s.close();
  for (const s of services) await s.stop();
});

async function redisStore(kind: string, o: { keyPrefix?: string; maxStaleMs?: number; waitReplicas?: number } = {}): Promise<RedisBindingStore> {
  const r = new RedisBindingStore(specs.get(kind)!, {
    keyPrefix: o.keyPrefix ?? PREFIX + randomBytes(2).toString('hex') + ':',
    timeoutMs: 1000,
    maxStaleMs: o.maxStaleMs ?? 1000,
    waitReplicas: o.waitReplicas,
  });
  opened.push(r);
  assert.ok(await r.waitReady(10_000), `${kind} reachable`);
  return r;
}

async function stores(): Promise<[string, BindingStore][]> {
  const out: [string, BindingStore][] = [['memory', new MemoryBindingStore()]];
  opened.push(out[0]![1]);
  for (const kind of specs.keys()) out.push([kind, await redisStore(kind)]);
  return out;
}

const rec = (ip: string, msisdn: string, sessionId: string, nas = 'nas-a', extra: Partial<BindingRecord> = {}): BindingRecord => ({
  ip,
  subscriber: { msisdn, source: 'radius' },
  sessionId,
  nas,
  updatedAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  ...extra,
});

test('Stop removes only the session that holds the address; Interim never takes it back', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('10.1.0.1', '+447700900101', 'old'));
    await s.set(rec('10.1.0.1', '+447700900102', 'new')); // a Start replaces at once
    assert.equal(await s.removeIfSession!('10.1.0.1', 'old', 'nas-a'), false, `${kind}: late Stop ignored`);
    assert.equal(await s.refresh!(rec('10.1.0.1', '+447700900101', 'old')), 'held', `${kind}: late Interim ignored`);
    assert.equal((await s.get('10.1.0.1'))?.subscriber.msisdn, '+447700900102', kind);
    assert.equal(await s.refresh!(rec('10.1.0.1', '+447700900102', 'new')), 'written', `${kind}: own Interim refreshes`);
    assert.equal(await s.removeIfSession!('10.1.0.1', 'new', 'nas-a'), true, kind);
    assert.equal(await s.get('10.1.0.1'), undefined, kind);
    assert.equal(await s.refresh!(rec('10.1.0.2', '+447700900103', 'lost')), 'written', `${kind}: an Interim re-creates a binding the store lost`);
  }
});

test('a session is (NAS, Acct-Session-Id): the same id from another NAS neither refreshes nor removes a binding', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('10.1.1.1', '+447700900104', '00000001', 'nas-a'));
    assert.equal(await s.refresh!(rec('10.1.1.1', '+447700900105', '00000001', 'nas-b')), 'held', `${kind}: another NAS's Interim ignored`);
    assert.equal(await s.removeIfSession!('10.1.1.1', '00000001', 'nas-b'), false, `${kind}: another NAS's Stop ignored`);
    assert.equal((await s.get('10.1.1.1'))?.subscriber.msisdn, '+447700900104', kind);
    assert.equal(await s.removeIfSession!('10.1.1.1', '00000001', 'nas-a'), true, `${kind}: its own NAS's Stop removes it`);
  }
});

test('a stopped session is remembered: its late Start or Interim binds nothing; other sessions and lost bindings are unaffected', async () => {
  for (const [kind, s] of await stores()) {
    await s.bind!(rec('10.1.2.1', '+447700900106', 'gone', 'nas-a'));
    await s.endSession!('nas-a', 'gone', ['10.1.2.1']);
    assert.equal(await s.removeIfSession!('10.1.2.1', 'gone', 'nas-a'), true, kind);
    assert.equal(await s.bind!(rec('10.1.2.1', '+447700900106', 'gone', 'nas-a')), 'stopped', `${kind}: late Start refused`);
    assert.equal(await s.refresh!(rec('10.1.2.1', '+447700900106', 'gone', 'nas-a')), 'stopped', `${kind}: late Interim refused`);
    assert.equal(await s.get('10.1.2.1'), undefined, kind);
    assert.equal(await s.sessionEnded!('nas-a', 'gone'), true, kind);
    assert.equal(await s.sessionEnded!('nas-b', 'gone'), false, `${kind}: the same id from another NAS did not stop`);
    assert.equal(await s.bind!(rec('10.1.2.1', '+447700900107', 'gone', 'nas-b')), 'written', `${kind}: the same id from another NAS is another session`);
    assert.equal(await s.bind!(rec('10.1.2.2', '+447700900108', 'next', 'nas-a')), 'written', `${kind}: a new session binds`);
    assert.equal(await s.remove('10.1.2.2'), true, kind);
    assert.equal(await s.refresh!(rec('10.1.2.2', '+447700900108', 'next', 'nas-a')), 'written', `${kind}: a lost binding is re-created`);
  }
});

test('a Start or Interim of an older event does not replace a newer binding; Accounting-On goes by event time', async () => {
  for (const [kind, s] of await stores()) {
    const t = Date.now();
    assert.equal(await s.bind!(rec('10.1.3.1', '+447700900121', 'b', 'nas-a', { eventAt: t }), t), 'written', kind);
    // A replayed Start of a minute-old session, allowed to supersede events up to 10 s after its own.
    assert.equal(await s.bind!(rec('10.1.3.1', '+447700900120', 'a', 'nas-a', { eventAt: t - 60_000 }), t - 50_000), 'newer', `${kind}: replayed Start`);
    assert.equal(await s.refresh!(rec('10.1.3.1', '+447700900121', 'b', 'nas-a', { eventAt: t - 60_000 }), t - 50_000), 'newer', `${kind}: older Interim`);
    assert.equal((await s.get('10.1.3.1'))?.subscriber.msisdn, '+447700900121', kind);
    assert.equal((await s.get('10.1.3.1'))?.eventAt, t, `${kind}: the event time is stored`);
    assert.equal(await s.bind!(rec('10.1.3.1', '+447700900122', 'c', 'nas-a', { eventAt: t - 5000 }), t + 5000), 'written', `${kind}: within the clock skew, a Start takes over`);
    assert.equal(await s.removeByNas!('nas-a', t - 10_000), 0, `${kind}: a replayed Accounting-On removes nothing newer`);
    assert.equal(await s.removeByNas!('nas-a', t), 1, kind);
  }
});

test('Accounting-On removes that NAS bindings (IPv4 and IPv6) written before it, and only those', async () => {
  for (const [kind, s] of await stores()) {
    const t0 = Date.now();
    await s.set(rec('10.2.0.1', '+447700900111', 'a1', 'nas-a', { updatedAt: t0 - 10 }));
    await s.set(rec('2001:db8:2::/64', '+447700900111', 'a1', 'nas-a', { updatedAt: t0 - 10 }));
    await s.set(rec('10.2.0.2', '+447700900112', 'a2', 'nas-a', { updatedAt: t0 - 10 }));
    await s.set(rec('10.2.0.3', '+447700900113', 'b1', 'nas-b', { updatedAt: t0 - 10 }));
    await s.set(rec('10.2.0.4', '+447700900114', 'a3', 'nas-a', { updatedAt: t0 + 1000 })); // after the restart
    assert.equal(await s.removeByNas!('nas-a', t0), 3, kind);
    assert.equal(await s.get('10.2.0.1'), undefined, kind);
    assert.equal(await s.get('2001:db8:2::/64'), undefined, kind);
    assert.equal(await s.lookup('2001:db8:2::1'), undefined, kind);
    assert.ok(await s.get('10.2.0.3'), `${kind}: other NAS untouched`);
    assert.ok(await s.get('10.2.0.4'), `${kind}: newer session untouched`);
  }
});

test("a NAS's restart is remembered per NAS; a replayed older one moves nothing back", async () => {
  for (const [kind, s] of await stores()) {
    const t0 = Date.now();
    assert.equal(await s.restartOf!('nas-r'), undefined, kind);
    await s.nasRestarted!('nas-r', t0);
    await s.nasRestarted!('nas-r', t0 - 60_000);
    assert.equal(await s.restartOf!('nas-r'), t0, `${kind}: the latest restart is kept`);
    await s.nasRestarted!('nas-r', t0 + 1000);
    assert.equal(await s.restartOf!('nas-r'), t0 + 1000, kind);
    assert.equal(await s.restartOf!('nas-other'), undefined, `${kind}: per NAS`);
  }
});

test('expired bindings are never returned', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('10.3.0.1', '+447700900121', 'e1', 'nas-a', { expiresAt: Date.now() + 150 }));
    await s.set(rec('2001:db8:3::/64', '+447700900121', 'e1', 'nas-a', { expiresAt: Date.now() + 150 }));
    assert.equal((await s.lookup('10.3.0.1'))?.msisdn, '+447700900121', kind);
    assert.equal((await s.lookup('2001:db8:3::99'))?.msisdn, '+447700900121', kind);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await s.lookup('10.3.0.1'), undefined, kind);
    assert.equal(await s.get('10.3.0.1'), undefined, kind);
    assert.equal(await s.lookup('2001:db8:3::99'), undefined, kind);
  }
});

test('an IPv6 prefix binding holds every address inside it and none outside', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('2001:db8:1:2::/64', '+447700900141', 'v6'));
    for (const a of ['2001:db8:1:2::1', '2001:db8:1:2:a1b2:c3d4:e5f6:1', '2001:DB8:1:2:0:0:0:ffff'])
      assert.equal((await s.lookup(a))?.msisdn, '+447700900141', `${kind}: ${a} is inside`);
    for (const a of ['2001:db8:1:3::1', '2001:db8:1::1', '::1', '10.0.0.1']) assert.equal(await s.lookup(a), undefined, `${kind}: ${a} is outside`);
    assert.equal((await s.find('2001:db8:1:2::42'))?.ip, '2001:db8:1:2::/64', `${kind}: find names the prefix`);
    assert.ok(
      (await s.list()).some((b) => b.ip === '2001:db8:1:2::/64'),
      `${kind}: listed by prefix`,
    );
    assert.equal(await s.removeIfSession!('2001:db8:1:2::/64', 'v6', 'nas-a'), true, kind);
    assert.equal(await s.lookup('2001:db8:1:2::2'), undefined, `${kind}: gone for every address`);
  }
});

test('prefixes of other lengths: the most specific binding wins; IPv4-mapped IPv6 is IPv4', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('2001:db8:aa00::/56', '+447700900151', 'delegated'));
    await s.set(rec('2001:db8:aa00:1::/64', '+447700900152', 'framed'));
    await s.set(rec('2001:db8:aa00:1::7/128', '+447700900153', 'address'));
    await s.set(rec('10.5.0.1', '+447700900154', 'v4'));
    assert.equal((await s.lookup('2001:db8:aa00:1::7'))?.msisdn, '+447700900153', `${kind}: /128`);
    assert.equal((await s.lookup('2001:db8:aa00:1::8'))?.msisdn, '+447700900152', `${kind}: /64`);
    assert.equal((await s.lookup('2001:db8:aa00:ff::8'))?.msisdn, '+447700900151', `${kind}: /56`);
    assert.equal(await s.lookup('2001:db8:ab00::1'), undefined, `${kind}: outside the /56`);
    assert.equal((await s.lookup('::ffff:10.5.0.1'))?.msisdn, '+447700900154', `${kind}: mapped`);
    assert.equal(await s.remove('2001:db8:aa00:1::7/128'), true, kind);
    assert.equal((await s.lookup('2001:db8:aa00:1::7'))?.msisdn, '+447700900152', `${kind}: /128 removed, /64 holds it`);
  }
});

test('Redis stores answer a cached lookup synchronously, never older than maxStaleMs (IPv4 and IPv6)', async (t) => {
  if (specs.size === 0) return t.skip(skipped.join('; '));
  for (const kind of specs.keys()) {
    const keyPrefix = PREFIX + randomBytes(2).toString('hex') + ':';
    const r = await redisStore(kind, { keyPrefix });
    const other = await redisStore(kind, { keyPrefix }); // another gateway node
    for (const [key, addr] of [
      ['10.4.0.1', '10.4.0.1'],
      ['2001:db8:4::/64', '2001:db8:4::1234'],
    ] as const) {
      await r.set(rec(key, '+447700900131', 's1'));
      const first = r.lookup(addr);
      assert.ok(first instanceof Promise, `${kind}: first lookup goes to Redis`);
      assert.equal((await first)?.msisdn, '+447700900131', kind);
      const second = r.lookup(addr);
      assert.ok(!(second instanceof Promise), `${kind}: then served from the bounded cache`);
      await other.set(rec(key, '+447700900132', 's2'));
      await new Promise((res) => setTimeout(res, 1050));
      assert.equal((await r.lookup(addr))?.msisdn, '+447700900132', `${kind}: the stale entry is not used past the bound`);
      await r.set(rec(key, '+447700900133', 's3'));
      assert.equal((await r.lookup(addr))?.msisdn, '+447700900133', `${kind}: a write through this node is seen at once`);
    }
    // A prefix length first used on another node is found within the bound too.
    await other.set(rec('2001:db8:4:10::/60', '+447700900134', 's4'));
    await new Promise((res) => setTimeout(res, 1050));
    assert.equal((await r.lookup('2001:db8:4:1f::1'))?.msisdn, '+447700900134', `${kind}: new length seen`);
    assert.deepEqual((await r.list()).map((b) => b.ip).sort(), ['10.4.0.1', '2001:db8:4:10::/60', '2001:db8:4::/64'], kind);
    assert.equal(await r.size(), 3, kind);
  }
});

test('waitReplicas: a write is acknowledged only once a replica has it', async (t) => {
  if (!specs.has('redis-sentinel')) return t.skip(skipped.join('; ') || 'no sentinel');
  const acked = await redisStore('redis-sentinel', { waitReplicas: 1 });
  await acked.set(rec('10.6.0.1', '+447700900161', 'w1'));
  assert.equal((await acked.get('10.6.0.1'))?.subscriber.msisdn, '+447700900161');
  const tooMany = await redisStore('redis-sentinel', { waitReplicas: 2 }); // the pair has one replica
  await assert.rejects(tooMany.set(rec('10.6.0.2', '+447700900162', 'w2')), (e: { code?: string }) => e.code === ErrorCodes.BINDING_STORE_UNAVAILABLE);
});
