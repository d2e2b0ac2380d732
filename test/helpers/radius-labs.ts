// The lab most RADIUS security tests need: one gateway on the memory store and
// one on Redis (a key prefix of its own, its keys dropped afterwards), both
// with the radius listener, started before the file's tests and closed after.
// Also: send an accounting packet with the real radclient and require the
// acknowledgement (the NAS stops retransmitting whatever hedge made of it).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLab, viaProxy, type Lab } from './gateway.js';
import type { Logger } from '../../src/shared/log.js';
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

export interface RadiusLab {
  /** Why the file's tests skip (radclient missing; never under CI=true), else undefined. */
  skip: string | undefined;
  /** The gateway (throws when it did not start). */
  readonly lab: Lab;
  /** Its RADIUS accounting port. */
  readonly port: number;
  /** The number the partner at `url` receives for traffic from `source` (asserting the traffic flows), or undefined. */
  msisdnAt(source: string, url?: string): Promise<string | undefined>;
  /** hedge_radius_packets_total for one result. */
  packets(result: string): Promise<number>;
}

/**
 * Registers before/after hooks for one gateway with the radius listener
 * (the memory store unless `edit` says otherwise; `edit` replaces withRadius()).
 */
export function radiusLab(opts: { edit?: (yaml: string) => string; log?: Logger } = {}): RadiusLab {
  const skip = radclientMissing();
  let started: Lab | undefined;
  before(async () => {
    if (skip) return;
    started = await startLab({ ...(opts.log ? { log: opts.log } : {}), edit: opts.edit ?? withRadius() });
  });
  after(async () => {
    await started?.close();
  });
  const lab = (): Lab => {
    if (!started) throw new Error('the RADIUS lab did not start');
    return started;
  };
  return {
    skip,
    get lab() {
      return lab();
    },
    get port() {
      return lab().gw.radius!.address.port;
    },
    async msisdnAt(source, url = 'http://my.operator.example/') {
      const r = await viaProxy(lab().gw.proxyAddress, url, { localAddress: source });
      assert.equal(r.status, 200, 'traffic always flows');
      return r.json().headers['x-msisdn'] as string | undefined;
    },
    packets: (result) => lab().gw.metrics.value('hedge_radius_packets_total', { result }),
  };
}
