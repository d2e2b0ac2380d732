// Consent choices in the binding store's Redis: one set per subscriber
// ({prefix}consent:{+E164}) holding the partner ids withdrawn from. One key per
// subscriber, so it works unchanged on Redis Cluster. A per-node cache bounds
// staleness exactly as the binding cache does (an entry is used for at most
// maxStaleMs after the read that filled it was sent); writes through this node
// drop its own entry at once. Reads fail closed: the caller treats a failed
// read as "withdrawn from everyone".
import { NONE, type ConsentStore } from './consent.js';

/** The few commands used, so a single node, a Cluster or a Sentinel-managed client all fit. */
export interface ConsentRedis {
  smembers(key: string): Promise<string[]>;
  sadd(key: string, member: string): Promise<number>;
  srem(key: string, member: string): Promise<number>;
}

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
    if (given) await this.redis.srem(this.key(msisdn), partnerId);
    else await this.redis.sadd(this.key(msisdn), partnerId);
    this.cache.delete(msisdn);
  }

  close(): void {
    this.cache.clear();
  }
}
