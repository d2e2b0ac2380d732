// Threat: with Redis, a Start binding a prefix took over the other sessions'
// bindings inside it in two steps — GET each key, then remove it "if it still
// belongs to that session". A Start of that same session for that key landing
// in between (on another gateway node: a newer event, which must win) was
// deleted by the second step, which compared the session only: the subscriber
// went unidentified, and their address fell to the covering prefix — the
// other subscriber. The removal is now one script that deletes the key only if
// it still holds exactly the value the GET saw. The interleaving is forced:
// node A's GET of the key is held until node B's Start has been written.
// (The memory store takes over inside one synchronous call: no interleaving.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RedisBindingStore } from '../../src/identity/redis-store.js';
import { dropKeysAndStop, redisService, type Service } from '../helpers/services.js';

const PREFIX = `hedge-displace-race-${process.pid}-${randomBytes(4).toString('hex')}:`;
let redis: Service | string;
const opened: RedisBindingStore[] = [];

before(async () => {
  redis = await redisService();
});
after(async () => {
  for (const s of opened) await s.close();
  if (typeof redis !== 'string') await dropKeysAndStop(redis, PREFIX);
});

async function node(): Promise<RedisBindingStore> {
  const s = new RedisBindingStore((redis as Service).url, { keyPrefix: PREFIX, timeoutMs: 2000, maxStaleMs: 0 });
  opened.push(s);
  assert.ok(await s.waitReady(10_000), 'Redis reachable');
  return s;
}

test('redis: a Start of the displaced session written between the GET and the removal stays', async (t) => {
  if (typeof redis === 'string') return t.skip(redis);
  const a = await node();
  const b = await node(); // another gateway node sharing the store
  const skew = 10_000;
  const t0 = Date.now() - 120_000;
  const old = { msisdn: '+447700900901', source: 'radius' as const };
  const other = { msisdn: '+447700900902', source: 'radius' as const };
  const inner = '2001:db8:d500:1::/64';
  const rec = (ip: string, subscriber: typeof old, sessionId: string, eventAt: number) => ({
    ip,
    subscriber,
    sessionId,
    nas: 'pgw@127.0.0.1',
    eventAt,
    updatedAt: Date.now(),
    expiresAt: Date.now() + 600_000,
  });
  assert.equal(await a.bind(rec(inner, old, 'L', t0), t0 + skew), 'written');

  // Node A's GET of the /64 (while taking it over for the /56) is answered only after node B wrote
  // the newer Start of the same session there.
  const client = (a as unknown as { redis: { get(k: string): Promise<string | null> } }).redis;
  const get = client.get.bind(client);
  let raced = false;
  client.get = async (k: string) => {
    const v = await get(k);
    if (!raced && k === `${PREFIX}b:{${inner}}` && v !== null) {
      raced = true;
      const t2 = Date.now();
      assert.equal(await b.bind(rec(inner, old, 'L', t2), t2 + skew), 'written', 'the newer Start of the session is written');
    }
    return v;
  };
  const t1 = Date.now() - 60_000;
  assert.equal(await a.bind(rec('2001:db8:d500::/56', other, 'S', t1), t1 + skew), 'written');
  assert.ok(raced, 'the interleaving happened');

  const kept = await b.get(inner);
  assert.equal(kept?.sessionId, 'L', 'the Start written in between was not deleted');
  assert.ok((kept?.eventAt ?? 0) > t1, 'the newer one');
  assert.equal((await b.lookup('2001:db8:d500:1::7'))?.msisdn, '+447700900901', 'its newer event wins inside the /56');
  assert.equal((await b.lookup('2001:db8:d500:2::7'))?.msisdn, '+447700900902', 'the rest of the /56 is the other subscriber');
});
