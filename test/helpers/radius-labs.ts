// The lab most RADIUS security tests need: one gateway on the memory store and
// one on Redis (a key prefix of its own, its keys dropped afterwards), both
// with the radius listener, started before the file's tests and closed after.
// Also: send an accounting packet with the real radclient and require the
// acknowledgement (the NAS stops retransmitting whatever hedge made of it).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLab, type Lab } from './gateway.js';
import { NAS_SECRET, acct, radclient, radclientMissing, withRadius } from './radius.js';
import { redisService, dropKeysAndStop, type Service } from './services.js';

export type StoreKind = 'memory' | 'redis';
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'redis'];

export interface RadiusLabs {
  /** The lab on a store, or the reason to skip (radclient or Redis missing; never under CI=true). */
  get(kind: StoreKind): Lab | { skip: string };
}

/** Registers before/after hooks for the two labs; `name` goes into the Redis key prefix. */
export function radiusLabs(name: string): RadiusLabs {
  const prefix = `hedge-${name}-${process.pid}-${randomBytes(4).toString('hex')}:`;
  const labs = new Map<StoreKind, Lab>();
  const missing = radclientMissing();
  let redis: Service | string = 'not started';
  before(async () => {
    if (missing) return;
    labs.set('memory', await startLab({ edit: withRadius() }));
    redis = await redisService();
    if (typeof redis === 'string') return;
    const url = redis.url;
    labs.set('redis', await startLab({ edit: (y) => withRadius()(y.replace('store: memory', `store: ${url}\n  redis:\n    keyPrefix: "${prefix}"`)) }));
  });
  after(async () => {
    for (const l of labs.values()) await l.close();
    if (typeof redis === 'object') await dropKeysAndStop(redis, prefix);
  });
  return {
    get: (kind) => labs.get(kind) ?? { skip: missing ?? (typeof redis === 'string' ? redis : 'lab not started') },
  };
}

/** Sends one Accounting-Request with radclient and asserts it was acknowledged. */
export async function sendAcknowledged(port: number, fields: Record<string, string | number>): Promise<void> {
  const r = await radclient(port, NAS_SECRET, acct(fields));
  assert.ok(r.answered, `acknowledged (the NAS stops retransmitting): ${r.output}`);
}
