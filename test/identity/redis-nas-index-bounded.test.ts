// The Redis store's per-NAS index (what Accounting-On/Off walks) lost members
// only on a Stop or an Accounting-On: every session whose Stop was lost (its
// binding simply expired) stayed in it until the NAS restarted, so it grew
// without bound. Now a session whose binding expired leaves it with the NAS's
// next Start or Interim, and the index expires with its last member.
// Accounting-On still removes every live binding of the NAS, also those a 0.1
// node indexed in the old plain set, which is drained into the new index.
// Real Redis (REDIS_URL or 127.0.0.1:6379); the index is counted whatever its
// layout (every set or sorted set named after the NAS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisBindingStore } from '../../src/identity/redis-store.js';
import type { BindingRecord } from '../../src/identity/store.js';
import { redisService, dropKeysAndStop, type Service } from '../helpers/services.js';

const PREFIX = `hedge-nas-index-${process.pid}-${randomBytes(4).toString('hex')}:`;
let redis: Service | string;
let client: Redis | undefined;
let store: RedisBindingStore | undefined;

before(async () => {
  redis = await redisService();
  if (typeof redis === 'string') return;
  client = new Redis(redis.url);
  store = new RedisBindingStore(redis.url, { keyPrefix: PREFIX, timeoutMs: 2000, maxStaleMs: 0 });
  assert.ok(await store.waitReady(10_000));
});
after(async () => {
  await store?.close();
  client?.disconnect();
  if (typeof redis !== 'string') await dropKeysAndStop(redis, PREFIX);
});

const rec = (ip: string, sessionId: string, nas: string, ttlMs: number): BindingRecord => ({
  ip,
  subscriber: { msisdn: '+447700900500', source: 'radius' },
  sessionId,
  nas,
  updatedAt: Date.now(),
  eventAt: Date.now(),
  expiresAt: Date.now() + ttlMs,
});

/** The binding keys indexed for a NAS: members of every set or sorted set whose name holds `{nas}`. */
async function indexed(nas: string): Promise<string[]> {
  const out: string[] = [];
  for (const k of await client!.keys(`${PREFIX}*{${nas}}`)) {
    const type = await client!.type(k);
    if (type === 'set') out.push(...(await client!.smembers(k)));
    else if (type === 'zset') out.push(...(await client!.zrange(k, '0', '-1')));
  }
  return out.sort();
}

test('sessions whose binding expired (Stop lost) leave the NAS index with its next Start; Accounting-On still clears the live ones', async (t) => {
  if (!store) return t.skip(redis as string);
  const nas = 'nas-lost-stops';
  const lostUntil = Date.now() + 1500;
  const lost = Array.from({ length: 200 }, (_, i) => ({ ...rec(`10.60.${i >> 8}.${i & 255}`, `lost-${i}`, nas, 0), expiresAt: lostUntil }));
  assert.deepEqual(new Set(await Promise.all(lost.map((r) => store!.bind(r)))), new Set(['written']));
  assert.equal(await store.bind(rec('10.61.0.1', 'long', nas, 60_000)), 'written');
  assert.equal((await indexed(nas)).length, 201);
  await new Promise((r) => setTimeout(r, lostUntil - Date.now() + 100)); // the 200 expire: their Stops never came
  assert.equal(await store.bind(rec('10.61.0.2', 'new', nas, 60_000)), 'written');
  assert.deepEqual(await indexed(nas), ['10.61.0.1', '10.61.0.2'], 'only the live sessions are indexed');

  assert.equal(await store.refresh(rec('10.61.0.1', 'long', nas, 120_000)), 'written', 'an Interim moves the expiry on');
  assert.equal(await store.removeIfSession('10.61.0.2', 'new', nas), true, 'a Stop');
  assert.deepEqual(await indexed(nas), ['10.61.0.1']);
  const other = 'nas-other';
  assert.equal(await store.bind(rec('10.62.0.1', 'o', other, 60_000)), 'written');
  assert.equal(await store.removeByNas(nas, Date.now()), 1, 'Accounting-On removes the live binding');
  assert.equal(await store.get('10.61.0.1'), undefined);
  assert.deepEqual(await indexed(nas), [], 'and the index is empty');
  assert.ok(await store.get('10.62.0.1'), 'another NAS is untouched');
});

test('the index expires with its last member', async (t) => {
  if (!store) return t.skip(redis as string);
  const nas = 'nas-idle';
  assert.equal(await store.bind(rec('10.63.0.1', 'idle', nas, 200)), 'written');
  const keys = await client!.keys(`${PREFIX}*{${nas}}`);
  assert.equal(keys.length, 1);
  const ttl = await client!.pttl(keys[0]!);
  assert.ok(ttl > 0 && ttl <= 200, `expires with its member (${ttl} ms)`);
});

test("upgrade: a 0.1 node's plain-set index breaks nothing, is read by Accounting-On and drained into the new index", async (t) => {
  if (!store) return t.skip(redis as string);
  const legacy = `${PREFIX}nas:{nas-upgraded}`;
  // The bindings are written by another node (this one has not looked at these NASes yet).
  const writer = new RedisBindingStore((redis as Service).url, { keyPrefix: PREFIX, timeoutMs: 2000, maxStaleMs: 0 });
  t.after(() => writer.close());
  assert.ok(await writer.waitReady(10_000));
  const seed = async (nas: string, ips: string[]) => {
    for (const ip of ips) assert.equal(await writer.bind(rec(ip, `s-${ip}`, nas, 60_000)), 'written');
    for (const k of await client!.keys(`${PREFIX}*{${nas}}`)) await client!.del(k); // as a 0.1 node left it:
    await client!.sadd(`${PREFIX}nas:{${nas}}`, ...ips, '10.64.9.1', '10.64.9.2'); // live sessions and lost ones
  };
  // Accounting-On before any new write: the old set is read.
  await seed('nas-restarting', ['10.64.1.1', '10.64.1.2']);
  assert.equal(await store.removeByNas('nas-restarting', Date.now()), 2);
  assert.deepEqual(await indexed('nas-restarting'), [], 'what it walked left the old set');

  // A new Start: written, and the old set drained (its live members keep being indexed, the lost ones go).
  await seed('nas-upgraded', ['10.64.2.1', '10.64.2.2', '10.64.2.3']);
  assert.equal(await client!.type(legacy), 'set');
  assert.equal(await store.bind(rec('10.64.2.4', 'after-upgrade', 'nas-upgraded', 60_000)), 'written');
  for (let i = 0; i < 50 && (await client!.exists(legacy)) === 1; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await client!.exists(legacy), 0, 'the old set is drained');
  assert.deepEqual(await indexed('nas-upgraded'), ['10.64.2.1', '10.64.2.2', '10.64.2.3', '10.64.2.4']);
  assert.equal(await store.removeByNas('nas-upgraded', Date.now()), 4);
});
