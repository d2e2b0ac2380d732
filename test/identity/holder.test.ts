// Holder times of a recycled number: the latest reassignment and the one
// before it; the epoch in force at a time; the memory and Redis stores keep
// the same times, whatever the order reassignments are recorded in, and give
// them to the request path in the same read as the withdrawals.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { holderEpochAt, withReassignment } from '../../src/identity/holder.js';
import { MemoryConsentStore, type ConsentStore } from '../../src/identity/consent.js';
import { RedisConsentStore } from '../../src/identity/consent-redis.js';
import { dropKeysAndStop, redisService, type Service } from '../helpers/services.js';

test('the holder epoch in force at a time', () => {
  assert.equal(holderEpochAt(undefined, 5), undefined, 'never reassigned: the first holder');
  assert.equal(holderEpochAt({ latest: 10, before: undefined }, 10), 10);
  assert.equal(holderEpochAt({ latest: 10, before: undefined }, 9), undefined, 'recorded ahead: the first holder until then');
  assert.equal(holderEpochAt({ latest: 10, before: 4 }, 9), 4, 'recorded ahead: the previous holder until then');
  assert.equal(holderEpochAt({ latest: 10, before: 8 }, 7), null, 'two ahead: cannot be told');
});

test('recording reassignments in any order keeps the latest and the latest before it', () => {
  let h = withReassignment(undefined, 10);
  assert.deepEqual(h, { latest: 10, before: undefined });
  h = withReassignment(h, 20);
  assert.deepEqual(h, { latest: 20, before: 10 });
  assert.deepEqual(withReassignment(h, 15), { latest: 20, before: 15 }, 'a later correction between them');
  assert.deepEqual(withReassignment(h, 5), h, 'an older one changes nothing');
  assert.deepEqual(withReassignment(h, 20), h, 'the same one again changes nothing');
});

const SEQUENCE = [1_764_000_000_000, 1_764_000_100_000, 1_764_000_050_000, 1_763_000_000_000, 1_764_000_100_000];
const NUMBER = '+447700900123';

async function replay(store: ConsentStore): Promise<unknown[]> {
  const seen: unknown[] = [];
  await store.set(NUMBER, 'agegate', false);
  for (const at of SEQUENCE) {
    await store.reassigned(NUMBER, at);
    seen.push((await store.read(NUMBER)).holder);
  }
  return seen;
}

describe('the stores keep the same holder times', () => {
  let redis: Service | string;
  const prefix = `hedge-holder-${randomBytes(4).toString('hex')}:`;
  let client: Redis | undefined;
  before(async () => {
    redis = await redisService();
    if (typeof redis !== 'string') client = new Redis(redis.url);
  });
  after(async () => {
    client?.disconnect();
    if (typeof redis !== 'string') await dropKeysAndStop(redis, prefix);
  });

  test('memory and Redis agree with withReassignment; the read carries the withdrawals and the times together', async (t) => {
    if (typeof redis === 'string') return t.skip(redis);
    let expected: ReturnType<typeof withReassignment> | undefined;
    const want = SEQUENCE.map((at) => (expected = withReassignment(expected, at)));
    const memory = new MemoryConsentStore();
    assert.deepEqual(await replay(memory), want);
    const shared = new RedisConsentStore(client!, prefix, 0);
    assert.deepEqual(await replay(shared), want);
    // The withdrawal was made (now) after every reassignment: kept, and read with the times.
    assert.deepEqual([...(await memory.read(NUMBER)).withdrawn], ['agegate']);
    assert.deepEqual([...(await shared.read(NUMBER)).withdrawn], ['agegate']);
    assert.equal(await shared.holderSince(NUMBER), 1_764_000_100_000);
    // A number with nothing on record.
    assert.deepEqual(await shared.read('+447700900999'), { withdrawn: new Set(), holder: undefined });
    // An unreadable holder time fails the read (the caller fails closed).
    await client!.set(`${prefix}holder-before:{${NUMBER}}`, 'garbage');
    await assert.rejects(Promise.resolve(shared.read(NUMBER)), /holder time unreadable/);
  });
});
