// The shared binding store: bindings in Redis so several gateway nodes share
// one view. Lookups fail closed — a Redis that is down or slow (beyond
// subscribers.redis.timeoutMs) makes lookups reject at once, the pipeline then
// enriches nothing and the request flows. ioredis reconnects by itself, so the
// node recovers without a restart.
//
// A per-node cache keeps the hot path off the network, and is the only place
// staleness can come from: an entry (hit or miss) is used for at most
// subscribers.maxStaleMs after the read that filled it was sent, so no binding
// outlives a reassignment made elsewhere by more than that bound. Writes made
// through this node drop its own entry at once.
import { Redis } from 'ioredis';
import { ErrorCodes, HedgeError } from '../errors.js';
import type { BindingRecord, BindingStore } from './store.js';
import type { Subscriber } from './subscriber.js';
import { REFRESH, REMOVE_BY_NAS, REMOVE_IF_SESSION } from './redis-scripts.js';

export interface RedisStoreOptions {
  keyPrefix: string;
  /** A command not answered within this fails (lookups fail closed instead of queueing). */
  timeoutMs: number;
  /** Bound on staleness: cache lifetime of a lookup result; 0 disables the cache. */
  maxStaleMs: number;
  /** Connection state changes, for logs and alerts (no values). */
  onState?: (state: 'up' | 'down', reason?: string) => void;
  maxCacheEntries?: number;
}

interface Stored {
  s: Subscriber;
  sid?: string;
  nas?: string;
  exp?: number;
  at?: number;
}

interface CacheEntry {
  sub: Subscriber | undefined;
  /** Binding expiry (epoch ms), if any. */
  exp: number;
  /** Usable until (epoch ms): read time + maxStaleMs. */
  until: number;
}

type Scripted = Redis & {
  hedgeRefresh(bind: string, nasSet: string, json: string, ttl: string, sid: string, ip: string): Promise<number>;
  hedgeRemoveIfSession(bind: string, sid: string, nasPrefix: string, ip: string): Promise<number>;
  hedgeRemoveByNas(nasSet: string, bindPrefix: string, nas: string, notAfter: string): Promise<number>;
};

export class RedisBindingStore implements BindingStore {
  readonly kind = 'redis';
  private readonly redis: Scripted;
  private readonly bindPrefix: string;
  private readonly nasPrefix: string;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Subscriber | undefined>>();
  private readonly maxCache: number;
  private up = false;
  private sizeMemo: { at: number; value: number } | undefined;

  constructor(
    url: string,
    private readonly opts: RedisStoreOptions,
  ) {
    this.bindPrefix = opts.keyPrefix + 'b:';
    this.nasPrefix = opts.keyPrefix + 'nas:';
    this.maxCache = opts.maxCacheEntries ?? 200_000;
    this.redis = new Redis(url, {
      enableOfflineQueue: false, // never queue a lookup behind a dead connection: fail closed now
      maxRetriesPerRequest: 0,
      commandTimeout: opts.timeoutMs,
      connectTimeout: Math.max(1000, opts.timeoutMs * 4),
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
      enableAutoPipelining: true, // lookups and writes issued in the same tick share one round trip
    }) as Scripted;
    this.redis.defineCommand('hedgeRefresh', { numberOfKeys: 2, lua: REFRESH });
    this.redis.defineCommand('hedgeRemoveIfSession', { numberOfKeys: 1, lua: REMOVE_IF_SESSION });
    this.redis.defineCommand('hedgeRemoveByNas', { numberOfKeys: 1, lua: REMOVE_BY_NAS });
    this.redis.on('ready', () => this.setState(true));
    this.redis.on('close', () => this.setState(false, 'connection closed'));
    this.redis.on('error', (err: NodeJS.ErrnoException) => this.setState(false, err.code ?? err.name));
  }

  /** Resolves when connected, or after `ms` either way (a node starts even with Redis down, failing closed). */
  waitReady(ms: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.redis.off('ready', onReady);
        resolve(false);
      }, ms);
      const onReady = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.redis.once('ready', onReady);
    });
  }

  available(): boolean {
    return this.up;
  }

  lookup(ip: string): Subscriber | undefined | Promise<Subscriber | undefined> {
    const now = Date.now();
    const c = this.cache.get(ip);
    if (c !== undefined && c.until > now) return c.exp > now ? c.sub : undefined;
    const pending = this.inflight.get(ip);
    if (pending) return pending;
    const p = this.fetch(ip, now);
    this.inflight.set(ip, p);
    return p;
  }

  private async fetch(ip: string, sentAt: number): Promise<Subscriber | undefined> {
    try {
      const v = await this.redis.get(this.bindPrefix + ip).catch(unavailable);
      const s = v === null ? undefined : decode(v);
      const exp = s?.exp ?? Infinity;
      if (this.opts.maxStaleMs > 0) this.remember(ip, { sub: s?.s, exp, until: sentAt + this.opts.maxStaleMs });
      return exp > Date.now() ? s?.s : undefined;
    } finally {
      this.inflight.delete(ip);
    }
  }

  private remember(ip: string, e: CacheEntry): void {
    this.cache.delete(ip); // re-insert at the end: Map order is age order
    if (this.cache.size >= this.maxCache) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(ip, e);
  }

  async get(ip: string): Promise<BindingRecord | undefined> {
    const v = await this.redis.get(this.bindPrefix + ip).catch(unavailable);
    if (v === null) return undefined;
    const s = decode(v);
    if (!s || (s.exp !== undefined && s.exp <= Date.now())) return undefined;
    return toRecord(ip, s);
  }

  async set(r: BindingRecord): Promise<void> {
    this.cache.delete(r.ip);
    const ttl = ttlOf(r);
    if (ttl === 'expired') return void (await this.remove(r.ip));
    const key = this.bindPrefix + r.ip;
    const m = this.redis.multi();
    if (ttl === '0') m.set(key, encode(r));
    else m.set(key, encode(r), 'PX', ttl);
    if (r.nas !== undefined) m.sadd(this.nasPrefix + r.nas, r.ip);
    await m.exec().catch(unavailable);
    this.cache.delete(r.ip);
  }

  async refresh(r: BindingRecord): Promise<boolean> {
    this.cache.delete(r.ip);
    const ttl = ttlOf(r);
    if (ttl === 'expired') return false;
    const key = this.bindPrefix + r.ip;
    const nasSet = r.nas !== undefined ? this.nasPrefix + r.nas : key;
    const n = await this.redis.hedgeRefresh(key, nasSet, encode(r), ttl, r.sessionId ?? '', r.ip).catch(unavailable);
    this.cache.delete(r.ip);
    return n === 1;
  }

  async removeIfSession(ip: string, sessionId: string): Promise<boolean> {
    this.cache.delete(ip);
    const n = await this.redis.hedgeRemoveIfSession(this.bindPrefix + ip, sessionId, this.nasPrefix, ip).catch(unavailable);
    this.cache.delete(ip);
    return n === 1;
  }

  async removeByNas(nas: string, notAfter: number): Promise<number> {
    const n = await this.redis.hedgeRemoveByNas(this.nasPrefix + nas, this.bindPrefix, nas, String(notAfter)).catch(unavailable);
    this.cache.clear();
    return n;
  }

  async remove(ip: string): Promise<boolean> {
    this.cache.delete(ip);
    const n = await this.redis.del(this.bindPrefix + ip).catch(unavailable);
    this.cache.delete(ip);
    return n === 1;
  }

  async list(): Promise<BindingRecord[]> {
    const out: BindingRecord[] = [];
    const now = Date.now();
    for (const keys of await this.scanKeys()) {
      if (keys.length === 0) continue;
      const values = await this.redis.mget(...keys).catch(unavailable);
      values.forEach((v, i) => {
        const s = v === null ? undefined : decode(v);
        if (s && (s.exp === undefined || s.exp > now)) out.push(toRecord(keys[i]!.slice(this.bindPrefix.length), s));
      });
    }
    return out;
  }

  /** Counted by SCAN (O(n)); memoised for 5 s so frequent scrapes stay cheap. */
  async size(): Promise<number> {
    const now = Date.now();
    if (this.sizeMemo && this.sizeMemo.at + 5000 > now) return this.sizeMemo.value;
    let n = 0;
    for (const keys of await this.scanKeys()) n += keys.length;
    this.sizeMemo = { at: now, value: n };
    return n;
  }

  /** The connection, for data kept beside the bindings (consent choices: identity/consent-redis.ts). */
  get client(): Redis {
    return this.redis;
  }

  async close(): Promise<void> {
    this.cache.clear();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async scanKeys(): Promise<string[][]> {
    const batches: string[][] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.bindPrefix + '*', 'COUNT', 1000).catch(unavailable);
      batches.push(keys);
      cursor = next;
    } while (cursor !== '0');
    return batches;
  }

  private setState(up: boolean, reason?: string): void {
    if (up === this.up) return;
    this.up = up;
    if (!up) this.cache.clear(); // nothing cached survives an outage: entries could outlive changes made meanwhile
    this.opts.onState?.(up ? 'up' : 'down', reason);
  }
}

function unavailable(err: unknown): never {
  throw new HedgeError(ErrorCodes.BINDING_STORE_UNAVAILABLE, `the Redis binding store did not answer (${(err as Error)?.message?.split('.')[0] ?? 'error'})`, { cause: err });
}

function ttlOf(r: BindingRecord): string | 'expired' {
  if (r.expiresAt === undefined) return '0';
  const ms = Math.ceil(r.expiresAt - Date.now());
  return ms <= 0 ? 'expired' : String(ms);
}

function encode(r: BindingRecord): string {
  const v: Stored = { s: r.subscriber };
  if (r.sessionId !== undefined) v.sid = r.sessionId;
  if (r.nas !== undefined) v.nas = r.nas;
  if (r.expiresAt !== undefined) v.exp = r.expiresAt;
  v.at = r.updatedAt ?? Date.now();
  return JSON.stringify(v);
}

function decode(v: string): Stored | undefined {
  try {
    const s = JSON.parse(v) as Stored;
    return s && typeof s === 'object' && s.s && typeof s.s.msisdn === 'string' ? s : undefined;
  } catch {
    return undefined; // a foreign or corrupt value is no binding (fail closed)
  }
}

function toRecord(ip: string, s: Stored): BindingRecord {
  return { ip, subscriber: s.s, sessionId: s.sid, nas: s.nas, expiresAt: s.exp, updatedAt: s.at };
}
