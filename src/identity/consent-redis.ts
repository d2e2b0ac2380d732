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
// the choices made before it in one script, in one slot. The reassignment
// before the latest is kept too ({prefix}holder-before:{+E164}: ms), so a
// reassignment recorded a little ahead takes effect at its time (identity/holder.ts).
// A withdrawal stored before these times existed has no time and counts as
// older than any reassignment.
//
// The request path reads the set and both holder times in one script (one
// round trip, one consistent snapshot) and caches them together: a node
// applies a reassignment to pseudonyms within the same maxStaleMs as a
// withdrawal.
import { EMPTY_RECORD, NONE, type ConsentStore, type NumberRecord } from './consent.js';
import type { HolderTimes } from './holder.js';

/** The few commands used, so a single node, a Cluster or a Sentinel-managed client all fit. */
export interface ConsentRedis {
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

/** KEYS: set, holder, holder-before. → {withdrawn partner ids, latest reassignment or false, the one before or false}. */
const READ = `
return {redis.call('SMEMBERS', KEYS[1]), redis.call('GET', KEYS[2]) or false, redis.call('GET', KEYS[3]) or false}
`;

/**
 * KEYS: set, times, holder, holder-before. ARGV: ms of the reassignment.
 * Keeps the latest reassignment and the latest one before it (as
 * identity/holder.ts withReassignment); drops every withdrawal made before
 * this one. → withdrawals dropped.
 */
const REASSIGN = `
local at = tonumber(ARGV[1])
local stored = redis.call('GET', KEYS[3])
local cur = tonumber(stored or '')
local prev = tonumber(redis.call('GET', KEYS[4]) or '')
if cur == nil then
  redis.call('SET', KEYS[3], ARGV[1])
elseif at > cur then
  redis.call('SET', KEYS[4], stored)
  redis.call('SET', KEYS[3], ARGV[1])
elseif at < cur and (prev == nil or at > prev) then
  redis.call('SET', KEYS[4], ARGV[1])
end
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
  record: NumberRecord;
  until: number;
}

export class RedisConsentStore implements ConsentStore {
  readonly kind = 'redis';
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<NumberRecord>>();

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

  private beforeKey(msisdn: string): string {
    return `${this.keyPrefix}holder-before:{${msisdn}}`;
  }

  read(msisdn: string): NumberRecord | Promise<NumberRecord> {
    const now = Date.now();
    const hit = this.cache.get(msisdn);
    if (hit && hit.until > now) return hit.record;
    const pending = this.inflight.get(msisdn);
    if (pending) return pending;
    const sent = now;
    const p = this.redis
      .eval(READ, 3, this.key(msisdn), this.holderKey(msisdn), this.beforeKey(msisdn))
      .then((reply) => {
        const record = parseRecord(reply);
        if (this.maxStaleMs > 0) {
          if (this.cache.size >= this.maxCacheEntries) this.cache.clear();
          this.cache.set(msisdn, { record, until: sent + this.maxStaleMs });
        }
        return record;
      })
      .finally(() => this.inflight.delete(msisdn));
    this.inflight.set(msisdn, p);
    return p;
  }

  withdrawn(msisdn: string): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    const r = this.read(msisdn);
    return r instanceof Promise ? r.then((x) => x.withdrawn) : r.withdrawn;
  }

  async set(msisdn: string, partnerId: string, given: boolean): Promise<void> {
    this.cache.delete(msisdn);
    if (given) await this.redis.eval(GIVE, 2, this.key(msisdn), this.timesKey(msisdn), partnerId);
    else await this.redis.eval(WITHDRAW, 2, this.key(msisdn), this.timesKey(msisdn), partnerId, Date.now());
    this.cache.delete(msisdn);
  }

  async reassigned(msisdn: string, at: number): Promise<void> {
    this.cache.delete(msisdn);
    await this.redis.eval(REASSIGN, 4, this.key(msisdn), this.timesKey(msisdn), this.holderKey(msisdn), this.beforeKey(msisdn), Math.floor(at));
    this.cache.delete(msisdn);
  }

  async holderSince(msisdn: string): Promise<number | undefined> {
    return holderTime(await this.redis.get(this.holderKey(msisdn)));
  }

  close(): void {
    this.cache.clear();
  }
}

/** A stored holder time; a value no time can be read from is not ours to guess: it fails the caller closed (no records shown, no pseudonym). */
function holderTime(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error('holder time unreadable');
  return n;
}

function parseRecord(reply: unknown): NumberRecord {
  if (!Array.isArray(reply) || !Array.isArray(reply[0])) throw new Error('unexpected consent record reply');
  const ids = reply[0] as string[];
  const latest = holderTime(reply[1]);
  const before = holderTime(reply[2]);
  const holder: HolderTimes | undefined = latest === undefined ? undefined : { latest, before };
  if (ids.length === 0 && holder === undefined) return EMPTY_RECORD;
  return { withdrawn: ids.length === 0 ? NONE : new Set(ids), holder };
}
