// The session operations RADIUS relies on, against both stores: the memory
// store and a real Redis (atomic Lua). Same behaviour, same assertions.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryBindingStore } from '../../src/identity/memory-store.js';
import { RedisBindingStore } from '../../src/identity/redis-store.js';
import type { BindingRecord, BindingStore } from '../../src/identity/store.js';
import { redisService, type Service } from '../helpers/services.js';

const PREFIX = `hedge-unit-${process.pid}-${randomBytes(4).toString('hex')}:`;
let redis: Service | string | undefined;
const opened: BindingStore[] = [];

after(async () => {
  for (const s of opened) await s.close();
  if (redis && typeof redis !== 'string') {
    const r = new Redis(redis.url);
    const keys = await r.keys(PREFIX + '*');
    if (keys.length) await r.del(...keys);
    await r.quit();
    await redis.stop();
  }
});

const rec = (ip: string, msisdn: string, sessionId: string, nas = 'nas-a', extra: Partial<BindingRecord> = {}): BindingRecord => ({
  ip,
  subscriber: { msisdn, source: 'radius' },
  sessionId,
  nas,
  updatedAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  ...extra,
});

async function stores(): Promise<[string, BindingStore][]> {
  const out: [string, BindingStore][] = [['memory', new MemoryBindingStore()]];
  redis ??= await redisService();
  if (typeof redis !== 'string') {
    const r = new RedisBindingStore(redis.url, { keyPrefix: PREFIX + randomBytes(2).toString('hex') + ':', timeoutMs: 1000, maxStaleMs: 1000 });
    assert.ok(await r.waitReady(5000), 'redis reachable');
    out.push(['redis', r]);
  }
  opened.push(...out.map(([, s]) => s));
  return out;
}

test('Stop removes only the session that holds the address; Interim never takes it back', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('10.1.0.1', '+447700900101', 'old'));
    await s.set(rec('10.1.0.1', '+447700900102', 'new')); // a Start replaces at once
    assert.equal(await s.removeIfSession!('10.1.0.1', 'old'), false, `${kind}: late Stop ignored`);
    assert.equal(await s.refresh!(rec('10.1.0.1', '+447700900101', 'old')), false, `${kind}: late Interim ignored`);
    assert.equal((await s.get('10.1.0.1'))?.subscriber.msisdn, '+447700900102', kind);
    assert.equal(await s.refresh!(rec('10.1.0.1', '+447700900102', 'new')), true, `${kind}: own Interim refreshes`);
    assert.equal(await s.removeIfSession!('10.1.0.1', 'new'), true, kind);
    assert.equal(await s.get('10.1.0.1'), undefined, kind);
    assert.equal(await s.refresh!(rec('10.1.0.2', '+447700900103', 'lost')), true, `${kind}: an Interim re-creates a binding the store lost`);
  }
});

test('Accounting-On removes that NAS bindings written before it, and only those', async () => {
  for (const [kind, s] of await stores()) {
    const t0 = Date.now();
    await s.set(rec('10.2.0.1', '+447700900111', 'a1', 'nas-a', { updatedAt: t0 - 10 }));
    await s.set(rec('10.2.0.2', '+447700900112', 'a2', 'nas-a', { updatedAt: t0 - 10 }));
    await s.set(rec('10.2.0.3', '+447700900113', 'b1', 'nas-b', { updatedAt: t0 - 10 }));
    await s.set(rec('10.2.0.4', '+447700900114', 'a3', 'nas-a', { updatedAt: t0 + 1000 })); // after the restart
    assert.equal(await s.removeByNas!('nas-a', t0), 2, kind);
    assert.equal(await s.get('10.2.0.1'), undefined, kind);
    assert.ok(await s.get('10.2.0.3'), `${kind}: other NAS untouched`);
    assert.ok(await s.get('10.2.0.4'), `${kind}: newer session untouched`);
  }
});

test('expired bindings are never returned', async () => {
  for (const [kind, s] of await stores()) {
    await s.set(rec('10.3.0.1', '+447700900121', 'e1', 'nas-a', { expiresAt: Date.now() + 150 }));
    assert.equal((await s.lookup('10.3.0.1'))?.msisdn, '+447700900121', kind);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await s.lookup('10.3.0.1'), undefined, kind);
    assert.equal(await s.get('10.3.0.1'), undefined, kind);
  }
});

test('the Redis store answers a cached lookup synchronously, never older than maxStaleMs', async (t) => {
  const all = await stores();
  const r = all.find(([k]) => k === 'redis')?.[1] as RedisBindingStore | undefined;
  if (!r) return t.skip(typeof redis === 'string' ? redis : 'no redis');
  await r.set(rec('10.4.0.1', '+447700900131', 's1'));
  const first = r.lookup('10.4.0.1');
  assert.ok(first instanceof Promise, 'first lookup goes to Redis');
  assert.equal((await first)?.msisdn, '+447700900131');
  const second = r.lookup('10.4.0.1');
  assert.ok(!(second instanceof Promise), 'then served from the bounded cache');
  // Another node changes the binding behind this node's back.
  const other = new RedisBindingStore((redis as Service).url, { keyPrefix: (r as unknown as { opts: { keyPrefix: string } }).opts.keyPrefix, timeoutMs: 1000, maxStaleMs: 1000 });
  opened.push(other);
  assert.ok(await other.waitReady(5000));
  await other.set(rec('10.4.0.1', '+447700900132', 's2'));
  await new Promise((res) => setTimeout(res, 1050));
  assert.equal((await r.lookup('10.4.0.1'))?.msisdn, '+447700900132', 'the stale entry is not used past the bound');
  assert.deepEqual(
    (await r.list()).map((b) => b.ip),
    ['10.4.0.1'],
  );
  assert.equal(await r.size(), 1);
});
