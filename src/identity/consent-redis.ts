// Consent choices in the binding store's Redis: one set per subscriber
// ({prefix}consent:{+E164}) holding the partner ids withdrawn from. One key per
// subscriber, so it works unchanged on Redis Cluster. A per-node cache bounds
// staleness exactly as the binding cache does (an entry is used for at most
// maxStaleMs after the read that filled it was sent); writes through this node
// drop its own entry at once. Reads fail closed: the caller treats a failed
// read as "withdrawn from everyone".
//
// Beside the set, the same hash tag holds when each withdrawal was made
// ({prefix}consent-at:{+E164}: partner id → ms) and when the number last
// changed hands ({prefix}holder:{+E164}: ms), so a reassignment drops exactly
// the choices made before it in one script, in one slot. The request path
// still reads the set alone. A withdrawal stored before these times existed
// has no time and counts as older than any reassignment.
import { NONE, type ConsentStore } from './consent.js';

/** The few commands used, so a single node, a Cluster or a Sentinel-managed client all fit. */
export interface ConsentRedis {
  smembers(key: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** KEYS: set, times. ARGV: partner, ms now. */
const WITHDRAW = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

/** KEYS: set, times. ARGV: partner. */
const GIVE = `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: set, times, holder. ARGV: ms of the reassignment. Keeps the latest reassignment; drops every withdrawal made before this one. → withdrawals dropped. */
const REASSIGN = `
local at = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[3]) or '')
if cur == nil or at > cur then redis.call('SET', KEYS[3], ARGV[1]) end
local dropped = 0
for _, p in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local t = tonumber(redis.call('HGET', KEYS[2], p) or '')
  if t == nil or t < at then
    redis.call('SREM', KEYS[1], p)
    redis.call('HDEL', KEYS[2], p)
    dropped = dropped + 1
  end
end
return dropped
`;

interface Entry {
  set: ReadonlySet<string>;
  until: number;
}

export class RedisConsentStore implements ConsentStore {
  readonly kind = 'redis';
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly redis: ConsentRedis,
    private readonly keyPrefix: string,
    private readonly maxStaleMs: number,
    private readonly maxCacheEntries = 100_000,
  ) {}

  private key(msisdn: string): string {
    return `${this.keyPrefix}consent:{${msisdn}}`;
  }

  private timesKey(msisdn: string): string {
    return `${this.keyPrefix}consent-at:{${msisdn}}`;
  }

  private holderKey(msisdn: string): string {
    return `${this.keyPrefix}holder:{${msisdn}}`;
  }

  withdrawn(msisdn: string): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    const now = Date.now();
    const hit = this.cache.get(msisdn);
    if (hit && hit.until > now) return hit.set;
    const pending = this.inflight.get(msisdn);
    if (pending) return pending;
    const sent = now;
    const p = this.redis
      .smembers(this.key(msisdn))
      .then((ids) => {
        const set = ids.length === 0 ? NONE : new Set(ids);
        if (this.maxStaleMs > 0) {
          if (this.cache.size >= this.maxCacheEntries) this.cache.clear();
          this.cache.set(msisdn, { set, until: sent + this.maxStaleMs });
        }
        return set;
      })
      .finally(() => this.inflight.delete(msisdn));
    this.inflight.set(msisdn, p);
    return p;
  }

  async set(msisdn: string, partnerId: string, given: boolean): Promise<void> {
    this.cache.delete(msisdn);
    if (given) await this.redis.eval(GIVE, 2, this.key(msisdn), this.timesKey(msisdn), partnerId);
    else await this.redis.eval(WITHDRAW, 2, this.key(msisdn), this.timesKey(msisdn), partnerId, Date.now());
    this.cache.delete(msisdn);
  }

  async reassigned(msisdn: string, at: number): Promise<void> {
    this.cache.delete(msisdn);
    await this.redis.eval(REASSIGN, 3, this.key(msisdn), this.timesKey(msisdn), this.holderKey(msisdn), Math.floor(at));
    this.cache.delete(msisdn);
  }

  async holderSince(msisdn: string): Promise<number | undefined> {
    const v = await this.redis.get(this.holderKey(msisdn));
    if (v === null) return undefined;
    const n = Number(v);
    // Not ours to guess: a value no time can be read from fails the caller closed (the page shows no records).
    if (!Number.isFinite(n)) throw new Error('holder time unreadable');
    return n;
  }

  close(): void {
    this.cache.clear();
  }
}
