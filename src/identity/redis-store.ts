// The shared binding store: bindings in Redis so several gateway nodes share
// one view — one server, a Sentinel-managed primary or a Redis Cluster
// (redis-connect.ts). Lookups fail closed — a Redis that is down or slow
// (beyond subscribers.redis.timeoutMs) makes lookups reject at once, the
// pipeline then enriches nothing and the request flows. ioredis reconnects by
// itself (and follows a Sentinel failover), so the node recovers without a
// restart.
//
// Key layout (redis-scripts.ts): every key a script touches carries one
// binding's hash tag — the binding `<prefix>b:{<binding key>}` and the record
// that a session stopped there, `<prefix>stop:{<binding key>}|<nas>|<sid>`
// (expires after stoppedSessionMs: 5 minutes, or radius.maxEventAgeSeconds
// when longer) — so each script runs in one hash slot and unchanged on Redis
// Cluster. A Stop writes the record before it removes
// the binding, and Start and Interim check it in the same script as their
// write: a late Start racing a Stop on another node either writes first (and
// the Stop then removes it) or sees the record, never the gap between. A Stop
// names only some of a session's addresses when hedge has no binding naming
// the rest, so it also records the session itself,
// `<prefix>stopped:{<nas>|<sid>}` (same expiry), which a Start or Interim
// checks before any write: a stopped session binds none of its addresses, as
// with the memory store. When a NAS last restarted (Accounting-On/Off) is
// `<prefix>restart:{<nas>}` (kept a day; nas-restarts.ts). The per-NAS index
// `<prefix>nasexp:{<nas>}` — the binding keys of that NAS's sessions by expiry,
// a sorted set kept by its own script (INDEX_NAS), which drops the members
// whose binding expired: bounded by the NAS's live sessions even when Stops are
// lost — and the set of IPv6 prefix lengths in use `<prefix>v6len` are kept
// beside it; both are advisory (re-checked against the binding itself).
// Upgrade: 0.1 kept the per-NAS index as a plain set, `<prefix>nas:{<nas>}`
// (same hash tag), that only a Stop or an Accounting-On shrank. It is left
// under its name and type (a 0.1 node still writing it during a rolling
// upgrade keeps working), read by Accounting-On beside the new one, and
// drained into the new one in the background — its live members with their
// binding's expiry, the rest dropped — when a node first indexes a binding of
// that NAS (again every LEGACY_CHECK_MS).
//
// A per-node cache keeps the hot path off the network, and is the only place
// staleness can come from: an entry (hit or miss) is used for at most
// subscribers.maxStaleMs after the read that filled it was sent, so no binding
// outlives a reassignment made elsewhere by more than that bound. Writes made
// through this node drop its own entries at once.
//
// With subscribers.redis.waitReplicas > 0 every write is followed by WAIT on
// the same connection: it is acknowledged (to RADIUS, to the admin API) only
// once that many replicas have it, so a failover cannot lose it.
import type { Cluster, Redis } from 'ioredis';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { BindingRecord, BindingStore, SessionWrite } from './store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { BIND, INDEX_NAS, NAS_RESTARTED, REFRESH, REMOVE_IF_NAS, REMOVE_IF_SAME_WRITE, REMOVE_IF_SESSION } from './redis-scripts.js';
import { outranks } from './session-ops.js';
import { STOPPED_SESSION_MS } from './stopped-sessions.js';
import { NAS_RESTART_MS } from './nas-restarts.js';
import { connectRedis, parseRedisTarget, type Topology } from './redis-connect.js';
import type { RedisTls } from './redis-tls.js';
import { coveringKeys, DEFAULT_V6_LENGTH, isV6Key, key64Of, keyLength, keysInside, MAX_KEYS_INSIDE, mappedV4, prefixKey, sourceOf } from '../shared/binding-key.js';

export interface RedisStoreOptions {
  keyPrefix: string;
  /** A command not answered within this fails (lookups fail closed instead of queueing). */
  timeoutMs: number;
  /** Bound on staleness: cache lifetime of a lookup result; 0 disables the cache. */
  maxStaleMs: number;
  /** Replicas that must have a write before it is acknowledged (WAIT); 0: none. */
  waitReplicas?: number;
  /** Connection state changes, for logs and alerts (no values). */
  onState?: (state: 'up' | 'down', reason?: string) => void;
  maxCacheEntries?: number;
  /** CA, client certificate, server name for a store reached over TLS (rediss…). */
  tls?: RedisTls | undefined;
}

interface Stored {
  s: Subscriber;
  sid?: string;
  nas?: string;
  exp?: number;
  at?: number;
  /** Event time of the accounting that wrote it (BindingRecord.eventAt). */
  ev?: number;
  /** When its session was given the key (BindingRecord.heldSince): kept by the REFRESH script. */
  hs?: number;
  /** Other keys of the same session (dual stack). */
  peers?: string[];
}

interface CacheEntry {
  sub: Subscriber | undefined;
  /** Binding expiry (epoch ms), if any. */
  exp: number;
  /** Usable until (epoch ms): read time + maxStaleMs. */
  until: number;
}

interface Scripts {
  hedgeBind(bind: string, stopped: string, json: string, ttl: string, supersedes: string): Promise<number>;
  hedgeRefresh(bind: string, stopped: string, json: string, ttl: string, sid: string, nas: string, supersedes: string): Promise<number>;
  hedgeRemoveIfSession(bind: string, sid: string, nas: string): Promise<string | null>;
  hedgeRemoveIfSameWrite(bind: string, stopped: string, sid: string, nas: string, ev: string, at: string, ttl: string): Promise<number>;
  hedgeRemoveIfNas(bind: string, nas: string, notAfter: string): Promise<number>;
  hedgeNasRestarted(record: string, at: string, ttl: string): Promise<number>;
  hedgeIndexNas(index: string, key: string, expiry: string, now: string): Promise<number>;
}
type Client = (Redis | Cluster) & Scripts;

const BATCH = 500;
/** How often a node looks again for a NAS's 0.1 index (a 0.1 node may still be writing it during a rolling upgrade). */
const LEGACY_CHECK_MS = 10 * 60_000;
/** NASes whose 0.1 index check is remembered at most (forgotten all at once beyond: they are looked at again). */
const LEGACY_CHECK_MAX = 10_000;

export class RedisBindingStore implements BindingStore {
  readonly kind = 'redis';
  readonly topology: Topology;
  private readonly redis: Client;
  private readonly bindPrefix: string;
  private readonly nasPrefix: string;
  private readonly legacyNasPrefix: string;
  /** NAS → when this node last looked for its 0.1 index. */
  private readonly legacyChecked = new Map<string, number>();
  private readonly stopPrefix: string;
  private readonly stoppedPrefix: string;
  private readonly restartPrefix: string;
  private readonly lensKey: string;
  /** IPv4 lookups, by address. */
  private readonly cache = new Map<string, CacheEntry>();
  /** IPv6 lookups, by source address, bucketed by the /64 holding it (a write drops the bucket). */
  private readonly cache6 = new Map<string, Map<string, CacheEntry>>();
  private readonly inflight = new Map<string, Promise<Subscriber | undefined>>();
  private readonly maxCache: number;
  private readonly waitReplicas: number;
  private lens: { at: number; desc: number[] } | undefined;
  private readonly lensAdded = new Set<number>();
  private up = false;
  private closing = false;
  private sizeMemo: { at: number; value: number } | undefined;

  constructor(
    spec: string,
    private readonly opts: RedisStoreOptions,
  ) {
    const target = parseRedisTarget(spec);
    if (typeof target === 'string') throw new Error(`subscribers.store: ${target}`);
    this.topology = target.topology;
    this.bindPrefix = opts.keyPrefix + 'b:';
    this.nasPrefix = opts.keyPrefix + 'nasexp:';
    this.legacyNasPrefix = opts.keyPrefix + 'nas:';
    this.stopPrefix = opts.keyPrefix + 'stop:';
    this.stoppedPrefix = opts.keyPrefix + 'stopped:';
    this.restartPrefix = opts.keyPrefix + 'restart:';
    this.lensKey = opts.keyPrefix + 'v6len';
    this.maxCache = opts.maxCacheEntries ?? 200_000;
    this.waitReplicas = opts.waitReplicas ?? 0;
    this.redis = connectRedis(target, { timeoutMs: opts.timeoutMs, tls: opts.tls }) as Client;
    this.redis.defineCommand('hedgeBind', { numberOfKeys: 2, lua: BIND });
    this.redis.defineCommand('hedgeRefresh', { numberOfKeys: 2, lua: REFRESH });
    this.redis.defineCommand('hedgeRemoveIfSession', { numberOfKeys: 1, lua: REMOVE_IF_SESSION });
    this.redis.defineCommand('hedgeRemoveIfSameWrite', { numberOfKeys: 2, lua: REMOVE_IF_SAME_WRITE });
    this.redis.defineCommand('hedgeRemoveIfNas', { numberOfKeys: 1, lua: REMOVE_IF_NAS });
    this.redis.defineCommand('hedgeNasRestarted', { numberOfKeys: 1, lua: NAS_RESTARTED });
    this.redis.defineCommand('hedgeIndexNas', { numberOfKeys: 1, lua: INDEX_NAS });
    this.redis.on('ready', () => this.setState(true));
    this.redis.on(this.topology === 'cluster' ? 'end' : 'close', () => this.setState(false, 'connection closed'));
    if (this.topology === 'cluster') this.redis.on('close', () => this.setState(false, 'connection closed'));
    this.redis.on('error', (err: NodeJS.ErrnoException) => this.setState(false, err.code ?? err.name));
    // ioredis gives a connection up for good ('end') when a reconnection attempt is interrupted — under
    // Sentinel its own failover detector does that when +switch-master arrives while it is resolving the
    // primary. A gateway must never stay without its store: start again, until close() says otherwise.
    if (this.topology !== 'cluster')
      this.redis.on('end', () => {
        if (this.closing) return;
        this.setState(false, 'connection ended');
        const t = setTimeout(() => {
          if (!this.closing && (this.redis as Redis).status === 'end') (this.redis as Redis).connect().catch(() => undefined);
        }, 100);
        t.unref();
      });
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

  private key(k: string): string {
    return `${this.bindPrefix}{${k}}`;
  }

  private nasKey(nas: string): string {
    return `${this.nasPrefix}{${nas}}`;
  }

  /** 0.1's per-NAS index (a plain set), read until drained: see the top of this file. */
  private legacyNasKey(nas: string): string {
    return `${this.legacyNasPrefix}{${nas}}`;
  }

  /** When that NAS last restarted (Accounting-On/Off): nas-restarts.ts. */
  private restartKey(nas: string): string {
    return `${this.restartPrefix}{${nas}}`;
  }

  /** That session (nas, sid) stopped, seen from binding key k: same hash slot as k's binding. */
  private stopKey(k: string, nas: string | undefined, sid: string | undefined): string {
    return `${this.stopPrefix}{${k}}|${nas ?? ''}|${sid ?? ''}`;
  }

  /** That session (nas, sid) stopped, whichever addresses its Stop named (a NAS never holds "|"). */
  private stoppedKey(nas: string, sid: string): string {
    return `${this.stoppedPrefix}{${nas}|${sid}}`;
  }

  lookup(address: string): Subscriber | undefined | Promise<Subscriber | undefined> {
    const now = Date.now();
    const v6 = address.indexOf(':') >= 0;
    const c = v6 ? this.cached6(address) : this.cache.get(address);
    if (c !== undefined && c.until > now) return c.exp > now ? c.sub : undefined;
    const pending = this.inflight.get(address);
    if (pending) return pending;
    const p = this.fetch(address, now);
    this.inflight.set(address, p);
    return p;
  }

  private cached6(address: string): CacheEntry | undefined {
    const v4 = mappedV4(address);
    if (v4 !== undefined) return this.cache.get(v4);
    const k64 = key64Of(address);
    return k64 === undefined ? undefined : this.cache6.get(k64)?.get(address);
  }

  private async fetch(address: string, sentAt: number): Promise<Subscriber | undefined> {
    try {
      const src = sourceOf(address);
      if (src === undefined) return undefined;
      const s = typeof src === 'string' ? decode(await this.redis.get(this.key(src)).catch(unavailable)) : await this.find6(src, sentAt);
      const exp = s?.exp ?? Infinity;
      if (this.opts.maxStaleMs > 0) {
        const e = { sub: s?.s, exp, until: sentAt + this.opts.maxStaleMs };
        if (typeof src === 'string') this.remember(this.cache, src, e);
        else this.remember6(prefixKey(src, DEFAULT_V6_LENGTH), address, e);
      }
      return exp > Date.now() ? s?.s : undefined;
    } finally {
      this.inflight.delete(address);
    }
  }

  /**
   * The binding holding an IPv6 address: the /64 (the usual mobile prefix) is
   * read at once, in the same round trip as the set of prefix lengths in use
   * when that is older than maxStaleMs; other lengths, if any, longest first.
   */
  private async find6(groups: number[], sentAt: number): Promise<(Stored & { key: string }) | undefined> {
    const k64 = prefixKey(groups, DEFAULT_V6_LENGTH);
    const fresh = this.lens !== undefined && this.lens.at + this.opts.maxStaleMs > sentAt;
    const [v64, desc] = await Promise.all([this.redis.get(this.key(k64)), fresh ? this.lens!.desc : this.readLengths(sentAt)]).catch(unavailable);
    const others = desc.filter((l) => l !== DEFAULT_V6_LENGTH);
    const at64 = decode(v64);
    if (others.length === 0) return at64 && { ...at64, key: k64 };
    const keys = others.map((l) => prefixKey(groups, l));
    const values = await Promise.all(keys.map((k) => this.redis.get(this.key(k)))).catch(unavailable);
    const now = Date.now();
    const found: { len: number; key: string; s: Stored }[] = [];
    values.forEach((v, i) => {
      const s = decode(v);
      if (s && (s.exp === undefined || s.exp > now)) found.push({ len: others[i]!, key: keys[i]!, s });
    });
    if (at64 && (at64.exp === undefined || at64.exp > now)) found.push({ len: DEFAULT_V6_LENGTH, key: k64, s: at64 });
    found.sort((a, b) => b.len - a.len);
    // The most specific wins, unless a shorter one of another session and a later event outranks it
    // (session-ops.ts outranks; memory-store.ts unlessOutranked): the values are all read already.
    let best = found[0];
    for (let i = 1; best && i < found.length; i++) {
      const c = found[i]!;
      if (!outranks(toRecord(c.key, c.s), toRecord(best.key, best.s))) continue;
      const stale = best;
      this.removeIfSameWrite(stale.key, stale.s).catch(() => undefined); // lazily, off the lookup's path
      best = c;
    }
    return best && { ...best.s, key: best.key };
  }

  private async readLengths(at: number): Promise<number[]> {
    const members = await this.redis.smembers(this.lensKey);
    const desc = members
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= 0 && n <= 128)
      .sort((a, b) => b - a);
    this.lens = { at, desc };
    return desc;
  }

  private remember(map: Map<string, CacheEntry>, key: string, e: CacheEntry): void {
    map.delete(key); // re-insert at the end: Map order is age order
    if (map.size >= this.maxCache) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, e);
  }

  private remember6(p64: string, address: string, e: CacheEntry): void {
    let bucket = this.cache6.get(p64);
    if (!bucket) {
      if (this.cache6.size >= this.maxCache) {
        const oldest = this.cache6.keys().next();
        if (!oldest.done) this.cache6.delete(oldest.value);
      }
      this.cache6.set(p64, (bucket = new Map()));
    }
    if (bucket.size >= 64) bucket.delete(bucket.keys().next().value!); // a phone's privacy addresses: keep the recent ones
    bucket.set(address, e);
  }

  /** Drops what this node cached about a binding key it is changing. */
  private forget(key: string): void {
    if (!isV6Key(key)) return void this.cache.delete(key);
    const len = keyLength(key);
    if (len < DEFAULT_V6_LENGTH) this.cache6.clear();
    else {
      const slash = key.indexOf('/');
      const src = sourceOf(key.slice(0, slash));
      if (Array.isArray(src)) this.cache6.delete(prefixKey(src, DEFAULT_V6_LENGTH));
    }
  }

  /** The binding holding a source address (admin: `hedge bindings show`). */
  async find(address: string): Promise<BindingRecord | undefined> {
    const src = sourceOf(address);
    if (src === undefined) return undefined;
    if (typeof src === 'string') return this.get(src);
    const s = await this.find6(src, Date.now());
    return s && toRecord(s.key, s);
  }

  async get(key: string): Promise<BindingRecord | undefined> {
    const s = decode(await this.redis.get(this.key(key)).catch(unavailable));
    if (!s || (s.exp !== undefined && s.exp <= Date.now())) return undefined;
    return toRecord(key, s);
  }

  async set(r: BindingRecord): Promise<void> {
    this.forget(r.ip);
    const ttl = ttlOf(r);
    if (ttl === 'expired') return void (await this.remove(r.ip));
    await Promise.all([this.index(r), this.acked(r.ip, (c, k) => (ttl === '0' ? c.set(k, encode(r)) : c.set(k, encode(r), 'PX', ttl)))]);
    this.forget(r.ip);
  }

  async bind(r: BindingRecord, supersedes?: number): Promise<SessionWrite> {
    this.forget(r.ip);
    const ttl = ttlOf(r);
    if (ttl === 'expired') {
      await this.remove(r.ip);
      return 'written';
    }
    if (await this.coverOutranks(r)) return 'newer';
    const stopped = this.stopKey(r.ip, r.nas, r.sessionId);
    const json = encode(r);
    const [, n] = await Promise.all([this.index(r), this.acked<number>(r.ip, (c, k) => c.hedgeBind(k, stopped, json, ttl, supersedesArg(supersedes)))]);
    this.forget(r.ip);
    const w = await this.unlessOutrankedSince(r, json, writeOf(n));
    if (w === 'written' && isV6Key(r.ip)) await this.displaceInside(r, supersedes);
    return w;
  }

  /**
   * Whether a shorter prefix holding the record's key (another slot: read by the node, not the script)
   * belongs to another session and comes from a later event: a write there would never be used, and
   * would resurface once that prefix goes (session-ops.ts outranks). One round trip, only when shorter
   * lengths are in use.
   */
  private async coverOutranks(r: BindingRecord): Promise<boolean> {
    if (!isV6Key(r.ip) || r.sessionId === undefined || r.eventAt === undefined) return false;
    const keys = coveringKeys(r.ip, await this.lengthsInUse());
    if (keys.length === 0) return false;
    const values = await Promise.all(keys.map((k) => this.redis.get(this.key(k)))).catch(unavailable);
    const now = Date.now();
    return values.some((v, i) => {
      const s = decode(v);
      return s !== undefined && (s.exp === undefined || s.exp > now) && outranks(toRecord(keys[i]!, s), r);
    });
  }

  /**
   * A write checked its covering prefixes before the script, but one of them lives in another hash slot
   * (Redis Cluster): a Start of an outranking prefix may have landed in between. So after the write the
   * covering prefixes are read again, and the binding written is removed if one outranks it
   * (REMOVE_IF_SAME_WRITE: only that write). Either this second read sees that prefix, or that prefix
   * was written after it — and its Start then takes this binding over itself (displaceInside, which
   * runs after its own write), or, wider than it probes, its lookups prefer it (find6). The lookup
   * prefers the outranking prefix meanwhile.
   */
  private async unlessOutrankedSince(r: BindingRecord, json: string, w: SessionWrite): Promise<SessionWrite> {
    if (w !== 'written' || !(await this.coverOutranks(r))) return w;
    await this.removeIfSameWrite(r.ip, decode(json)!);
    return 'newer';
  }

  /** The IPv6 prefix lengths in use, longest first: this node's copy when younger than maxStaleMs. */
  private async lengthsInUse(): Promise<number[]> {
    const now = Date.now();
    if (this.lens !== undefined && this.lens.at + this.opts.maxStaleMs > now) return this.lens.desc;
    return this.readLengths(now).catch(unavailable);
  }

  /** Removes a binding another session's prefix took over, if still the write `s` (REMOVE_IF_SAME_WRITE); its session is then stopped at that key. */
  private async removeIfSameWrite(key: string, s: Stored): Promise<boolean> {
    if (s.sid === undefined) return false;
    this.forget(key);
    const stopped = this.stopKey(key, s.nas, s.sid);
    const [sid, nas, ev, at] = [s.sid, s.nas ?? '', s.ev === undefined ? '' : String(s.ev), s.at === undefined ? '' : String(s.at)];
    const n = await this.acked<number>(key, (c, k) => c.hedgeRemoveIfSameWrite(k, stopped, sid, nas, ev, at, String(STOPPED_SESSION_MS)));
    this.forget(key);
    if (n !== 1) return false;
    if (s.nas !== undefined) await Promise.all([this.redis.zrem(this.nasKey(s.nas), key), this.redis.srem(this.legacyNasKey(s.nas), key)]).catch(unavailable);
    return true;
  }

  /**
   * A Start binding a prefix takes over the longer prefixes inside it that other sessions hold (see
   * memory-store.ts displaceInside): each longer length in use is probed key by key — at most
   * MAX_KEYS_INSIDE keys per length (a /56 over /64s: 256), one GET each, pipelined; wider (a /48 over
   * /64s) is not probed: its lookups prefer it (find6). Each removal is atomic with a check that the
   * key still holds the write the GET saw — session, event, write time (REMOVE_IF_SAME_WRITE): a Start
   * or Interim written in between — even of the same session — stays; the session taken over is recorded as stopped at
   * that key (a late Interim of it re-creates nothing there).
   */
  private async displaceInside(r: BindingRecord, supersedes: number | undefined): Promise<void> {
    const len = keyLength(r.ip);
    const desc = await this.lengthsInUse();
    const keys = desc.flatMap((l) => (l > len ? (keysInside(r.ip, l, MAX_KEYS_INSIDE) ?? []) : []));
    if (keys.length === 0) return;
    const values = await Promise.all(keys.map((k) => this.redis.get(this.key(k)))).catch(unavailable);
    await Promise.all(
      keys.map((k, i) => {
        const cur = decode(values[i]);
        if (!cur || cur.sid === undefined || (cur.sid === r.sessionId && cur.nas === r.nas)) return undefined;
        if (supersedes !== undefined && cur.ev !== undefined && cur.ev > supersedes) return undefined; // a later event's binding stays
        return this.removeIfSameWrite(k, cur);
      }),
    );
  }

  async refresh(r: BindingRecord, supersedes?: number): Promise<SessionWrite> {
    this.forget(r.ip);
    const ttl = ttlOf(r);
    if (ttl === 'expired') return 'held';
    if (await this.coverOutranks(r)) return 'newer';
    const stopped = this.stopKey(r.ip, r.nas, r.sessionId);
    const json = encode(r);
    const [, n] = await Promise.all([
      this.index(r),
      this.acked<number>(r.ip, (c, k) => c.hedgeRefresh(k, stopped, json, ttl, r.sessionId ?? '', r.nas ?? '', supersedesArg(supersedes))),
    ]);
    this.forget(r.ip);
    return this.unlessOutrankedSince(r, json, writeOf(n));
  }

  async endSession(nas: string, sessionId: string, keys: string[], forMs = STOPPED_SESSION_MS): Promise<void> {
    const session = this.stoppedKey(nas, sessionId);
    const px = Math.max(1, Math.ceil(forMs));
    await Promise.all([
      this.acked(session, (c) => c.set(session, '1', 'PX', px)), // (the binding key computed from it is unused)
      ...keys.map((key) => this.acked(key, (c) => c.set(this.stopKey(key, nas, sessionId), '1', 'PX', px))),
    ]);
  }

  async sessionEnded(nas: string, sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.stoppedKey(nas, sessionId)).catch(unavailable)) === 1;
  }

  async removeIfSession(key: string, sessionId: string, nas: string): Promise<boolean> {
    this.forget(key);
    const old = await this.acked(key, (c, k) => c.hedgeRemoveIfSession(k, sessionId, nas));
    this.forget(key);
    if (typeof old !== 'string') return false;
    const o = decode(old);
    if (o?.nas !== undefined) await Promise.all([this.redis.zrem(this.nasKey(o.nas), key), this.redis.srem(this.legacyNasKey(o.nas), key)]).catch(unavailable);
    return true;
  }

  async nasRestarted(nas: string, at: number): Promise<void> {
    const k = this.restartKey(nas);
    await this.acked(k, (c) => c.hedgeNasRestarted(k, String(Math.floor(at)), String(NAS_RESTART_MS))); // (the binding key computed from it is unused)
  }

  async restartOf(nas: string): Promise<number | undefined> {
    const v = await this.redis.get(this.restartKey(nas)).catch(unavailable);
    const n = v === null ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  }

  async removeByNas(nas: string, notAfter: number): Promise<number> {
    const index = this.nasKey(nas);
    const legacy = this.legacyNasKey(nas);
    // Members whose binding expired are no session any more: not read (and dropped by the next index write).
    const [current, old] = await Promise.all([this.redis.zrangebyscore(index, `(${Date.now()}`, '+inf'), this.redis.smembers(legacy)]).catch(unavailable);
    const members = [...new Set([...current, ...old])];
    let n = 0;
    for (let i = 0; i < members.length; i += BATCH) {
      const batch = members.slice(i, i + BATCH);
      const results = await Promise.all(batch.map((k) => this.acked(k, (c, bk) => c.hedgeRemoveIfNas(bk, nas, String(notAfter)))));
      const drop = batch.filter((_, j) => results[j] !== 0); // removed, or no longer this NAS's
      n += results.filter((x) => x === 1).length;
      if (drop.length > 0) await Promise.all([this.redis.zrem(index, ...drop), this.redis.srem(legacy, ...drop)]).catch(unavailable);
    }
    this.cache.clear();
    this.cache6.clear();
    return n;
  }

  async remove(key: string): Promise<boolean> {
    this.forget(key);
    const n = await this.acked(key, (c, k) => c.del(k));
    this.forget(key);
    return n === 1;
  }

  async list(): Promise<BindingRecord[]> {
    const out: BindingRecord[] = [];
    const now = Date.now();
    for (const keys of await this.scanKeys()) {
      for (let i = 0; i < keys.length; i += BATCH) {
        const batch = keys.slice(i, i + BATCH);
        // One GET per key (pipelined): MGET cannot span hash slots on a cluster.
        const values = await Promise.all(batch.map((k) => this.redis.get(k))).catch(unavailable);
        values.forEach((v, j) => {
          const s = decode(v);
          const k = batch[j]!;
          if (s && (s.exp === undefined || s.exp > now)) out.push(toRecord(k.slice(this.bindPrefix.length + 1, -1), s));
        });
      }
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
  get client(): Redis | Cluster {
    return this.redis;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.cache.clear();
    this.cache6.clear();
    try {
      await this.redis.quit();
    } catch {
      // already down: disconnect below
    }
    this.redis.disconnect(); // also ends the Sentinel failover detector's subscriptions, which quit() leaves open
  }

  /** NAS index and prefix-length set beside a binding (other hash slots: commands of their own). */
  private async index(r: BindingRecord): Promise<void> {
    const ops: Promise<unknown>[] = [];
    if (r.nas !== undefined) {
      const expiry = r.expiresAt === undefined ? '+inf' : String(Math.ceil(r.expiresAt));
      ops.push(this.redis.hedgeIndexNas(this.nasKey(r.nas), r.ip, expiry, String(Date.now())));
      this.drainLegacySoon(r.nas);
    }
    if (isV6Key(r.ip)) {
      const len = keyLength(r.ip);
      if (!this.lensAdded.has(len)) {
        ops.push(this.redis.sadd(this.lensKey, String(len)).then(() => this.lensAdded.add(len)));
        if (this.lens && !this.lens.desc.includes(len)) this.lens = undefined; // re-read with the next lookup
      }
    }
    if (ops.length > 0) await Promise.all(ops).catch(unavailable);
  }

  /** Drains that NAS's 0.1 index into the current one, in the background, if this node has not looked lately. */
  private drainLegacySoon(nas: string): void {
    const now = Date.now();
    const last = this.legacyChecked.get(nas);
    if (last !== undefined && last + LEGACY_CHECK_MS > now) return;
    if (this.legacyChecked.size >= LEGACY_CHECK_MAX) this.legacyChecked.clear();
    this.legacyChecked.set(nas, now);
    this.drainLegacy(nas).catch(() => this.legacyChecked.delete(nas)); // tried again with the next write
  }

  /**
   * Moves the 0.1 index's members into the current one, a batch at a time: each live binding of this
   * NAS with its expiry, the others (expired, gone, another NAS's) dropped. A member is added before it
   * leaves the old set, so Accounting-On (which reads both) never misses it meanwhile.
   */
  private async drainLegacy(nas: string): Promise<void> {
    const legacy = this.legacyNasKey(nas);
    const index = this.nasKey(nas);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.sscan(legacy, cursor, 'COUNT', BATCH);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await Promise.all(keys.map((k) => this.redis.get(this.key(k))));
      const now = Date.now();
      await Promise.all(
        keys.map((k, i) => {
          const s = decode(values[i]);
          if (!s || s.nas !== nas || (s.exp !== undefined && s.exp <= now)) return undefined;
          return this.redis.hedgeIndexNas(index, k, s.exp === undefined ? '+inf' : String(Math.ceil(s.exp)), String(now));
        }),
      );
      await this.redis.srem(legacy, ...keys);
    } while (cursor !== '0');
  }

  /**
   * Runs a write on one binding key; with waitReplicas, in one pipeline with
   * WAIT (same connection, same node on a cluster) and fails unless enough
   * replicas acknowledged it.
   */
  private async acked<T>(key: string, write: (c: Client, bindKey: string) => Promise<T> | unknown): Promise<T> {
    const k = this.key(key);
    if (this.waitReplicas === 0) return (await (write(this.redis, k) as Promise<T>).catch(unavailable)) as T;
    const p = this.redis.pipeline() as unknown as Client & { wait(n: number, ms: number): unknown; exec(): Promise<[Error | null, unknown][] | null> };
    write(p, k);
    p.wait(this.waitReplicas, this.opts.timeoutMs);
    const res = await p.exec().catch(unavailable);
    if (!res || res.length !== 2) unavailable(new Error('no answer'));
    const [[werr, value], [aerr, acked]] = res as [[Error | null, unknown], [Error | null, unknown]];
    if (werr) unavailable(werr);
    if (aerr || typeof acked !== 'number' || acked < this.waitReplicas) unavailable(new Error(`write reached ${String(acked ?? 0)} of ${this.waitReplicas} replica(s)`));
    return value as T;
  }

  private async scanKeys(): Promise<string[][]> {
    const batches: string[][] = [];
    const masters: Redis[] = this.topology === 'cluster' ? (this.redis as unknown as Cluster).nodes('master') : [this.redis as unknown as Redis];
    for (const node of masters) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', this.bindPrefix + '*', 'COUNT', 1000).catch(unavailable);
        batches.push(keys);
        cursor = next;
      } while (cursor !== '0');
    }
    return batches;
  }

  private setState(up: boolean, reason?: string): void {
    if (up === this.up) return;
    this.up = up;
    if (!up) {
      // nothing cached survives an outage: entries could outlive changes made meanwhile
      this.cache.clear();
      this.cache6.clear();
      this.lens = undefined;
      this.lensAdded.clear(); // a store that comes back empty needs the lengths written again
    }
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

/** The BIND/REFRESH scripts' answers (redis-scripts.ts). */
function writeOf(n: number): SessionWrite {
  return n === 1 ? 'written' : n === 2 ? 'stopped' : n === 3 ? 'newer' : 'held';
}

function supersedesArg(supersedes: number | undefined): string {
  return supersedes === undefined ? '' : String(Math.floor(supersedes));
}

function encode(r: BindingRecord): string {
  const v: Stored = { s: r.subscriber };
  if (r.sessionId !== undefined) v.sid = r.sessionId;
  if (r.nas !== undefined) v.nas = r.nas;
  if (r.expiresAt !== undefined) v.exp = r.expiresAt;
  if (r.peers !== undefined && r.peers.length > 0) v.peers = r.peers;
  v.at = r.updatedAt ?? Date.now();
  if (r.eventAt !== undefined) v.ev = r.eventAt;
  if (r.heldSince !== undefined) v.hs = r.heldSince;
  return JSON.stringify(v);
}

function decode(v: string | null | undefined): Stored | undefined {
  if (v === null || v === undefined) return undefined;
  try {
    const s = JSON.parse(v) as Stored;
    return s && typeof s === 'object' && s.s && typeof s.s.msisdn === 'string' ? s : undefined;
  } catch {
    return undefined; // a foreign or corrupt value is no binding (fail closed)
  }
}

function toRecord(key: string, s: Stored): BindingRecord {
  return { ip: key, subscriber: s.s, sessionId: s.sid, nas: s.nas, expiresAt: s.exp, updatedAt: s.at, eventAt: s.ev, heldSince: s.hs, peers: s.peers };
}
