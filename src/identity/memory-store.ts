// The embedded binding store: a Map in this process, keyed by binding key
// (IPv4 address or canonical IPv6 prefix, see binding-key.ts). Expiry is
// checked on read so a lapsed binding is never used, and swept periodically
// to bound memory.
import type { BindingRecord, BindingStore, SessionWrite } from './store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { coveringKeys, DEFAULT_V6_LENGTH, isV6Key, key64Of, keyLength, keysInside, MAX_KEYS_INSIDE, mappedV4, prefixKey, probedInside, sourceOf } from '../shared/binding-key.js';
import { PrefixLengths } from './prefix-lengths.js';
import { eventOf, heldByAnother, keepingHeldSince, newerThan, outranks, sameSession } from './session-ops.js';
import { StoppedSessions } from './stopped-sessions.js';
import { NasRestarts } from './nas-restarts.js';

export class MemoryBindingStore implements BindingStore {
  readonly kind = 'memory';
  private readonly map = new Map<string, BindingRecord>();
  private readonly lengths = new PrefixLengths();
  private readonly stopped: StoppedSessions;
  private readonly restarts: NasRestarts;
  /**
   * (binding key, NAS, session id) whose binding another session's prefix took over (displaceInside, or
   * outranked at lookup): for that key it is a stopped session, as if its Stop had named it — a late
   * Start or Interim of it, even one dated by its arrival (no Event-Timestamp), binds nothing there.
   */
  private readonly displaced: StoppedSessions;
  private readonly sweeper: NodeJS.Timeout;

  /**
   * `onOutranked`: a lookup found a binding outranked by a covering one (session-ops.ts outranks); by
   * default it is removed here, at once. A --workers replica passes it to the primary instead, which
   * owns the bindings (cluster/replica-store.ts).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly onOutranked?: (stale: BindingRecord) => void,
  ) {
    this.stopped = new StoppedSessions(now);
    this.displaced = new StoppedSessions(now);
    this.restarts = new NasRestarts(now);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  lookup(address: string): Subscriber | undefined {
    return this.find(address)?.subscriber;
  }

  /** The binding that holds a source address: IPv4 exact; IPv6 by its prefix, longest first. */
  find(address: string): BindingRecord | undefined {
    if (address.indexOf(':') < 0) return this.live(address);
    const lens = this.lengths.desc;
    if (lens.length === 1 && lens[0] === DEFAULT_V6_LENGTH && mappedV4(address) === undefined) {
      // The usual deployment: every IPv6 binding is a /64.
      const k = key64Of(address);
      return k === undefined ? undefined : this.live(k);
    }
    const src = sourceOf(address);
    if (src === undefined) return undefined;
    if (typeof src === 'string') return this.live(src);
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      const r = this.live(prefixKey(src, len));
      if (!r) continue;
      if (r.sessionId === undefined || r.eventAt === undefined) return r;
      // A shorter prefix at most 8 bits shorter cannot outrank it: writes keep that so (its Start took
      // over the keys inside it, a later write inside it was refused: bind, refresh). Only the wider
      // ones, whose Start could not probe them all, are looked at (usually none: no extra probe).
      let j = i + 1;
      while (j < lens.length && probedInside(lens[j]!, len)) j++;
      return j < lens.length ? this.unlessOutranked(src, r, lens, j) : r;
    }
    return undefined;
  }

  /**
   * The most specific binding `best`, unless a shorter one holding the address (lengths from `from` on)
   * belongs to another session and comes from a later event (session-ops.ts outranks): then that one,
   * and the outranked binding goes (a /48 Start cannot probe the 65 536 /64s inside it, so a leftover
   * there is found here, when it would be used). One map probe per shorter length in use.
   */
  private unlessOutranked(src: number[], best: BindingRecord, lens: readonly number[], from: number): BindingRecord {
    for (let i = from; i < lens.length; i++) {
      const c = this.live(prefixKey(src, lens[i]!));
      if (!c || !outranks(c, best)) continue;
      if (this.onOutranked) this.onOutranked(best);
      else this.evict(best);
      best = c;
    }
    return best;
  }

  /** Removes a binding another session's prefix took over, and remembers that for its key (`displaced`). */
  private evict(r: BindingRecord): boolean {
    if (!this.remove(r.ip)) return false;
    if (r.sessionId !== undefined) this.displaced.add(displacedKey(r.ip, r.nas), r.sessionId);
    return true;
  }

  /**
   * A replica's lookup found this binding outranked (cluster/binding-hub.ts): removed if it is still the
   * one the replica saw — same session, same event — and not rewritten since.
   */
  removeOutranked(key: string, sessionId: string, nas: string | undefined, eventAt: number): boolean {
    const cur = this.live(key);
    if (!cur || !sameSession(cur, sessionId, nas) || cur.eventAt !== eventAt) return false;
    return this.evict(cur);
  }

  /** Whether a shorter prefix holding the record's key outranks it: the write would never be used, and would resurface once that prefix goes. */
  private coverOutranks(r: BindingRecord): boolean {
    for (const k of coveringKeys(r.ip, this.lengths.desc)) {
      const c = this.live(k);
      if (c && outranks(c, r)) return true;
    }
    return false;
  }

  get(key: string): BindingRecord | undefined {
    return this.live(key);
  }

  set(record: BindingRecord): void {
    const had = this.map.has(record.ip);
    this.map.set(record.ip, record);
    if (!had && isV6Key(record.ip)) this.lengths.add(keyLength(record.ip));
  }

  remove(key: string): boolean {
    if (!this.map.delete(key)) return false;
    if (isV6Key(key)) this.lengths.remove(keyLength(key));
    return true;
  }

  /** `displaced`: the keys of other sessions' bindings inside a bound prefix that this removed are added to it. */
  bind(record: BindingRecord, supersedes?: number, displaced?: string[]): SessionWrite {
    if (this.hasStopped(record)) return 'stopped';
    if (this.coverOutranks(record)) return 'newer';
    if (this.wasDisplaced(record)) return 'stopped';
    const cur = this.get(record.ip);
    if (cur && newerThan(cur, supersedes)) return 'newer';
    this.set(record);
    this.displaceInside(record, supersedes, displaced);
    return 'written';
  }

  /**
   * A Start binding a prefix takes over the longer prefixes inside it that other sessions hold, as it
   * takes over its own key: the NAS gave this session the whole prefix, so a binding inside it is a
   * leftover (its Stop lost) that the most-specific-first lookup would otherwise keep identifying.
   * One of a later event than `supersedes` stays, as at the key itself. Each longer length in use is
   * probed key by key, at most MAX_KEYS_INSIDE keys per length (a /56 over /64s), as with Redis: never a
   * scan of the map, which with many bindings and lengths in use held the event loop for seconds per Start.
   * Wider (a /48 over /64s) is left to the lookup (unlessOutranked). Each binding taken over is remembered
   * for its key (`displaced`): a late Interim of its session re-creates nothing there.
   */
  private displaceInside(r: BindingRecord, supersedes: number | undefined, displaced: string[] | undefined): void {
    if (!isV6Key(r.ip)) return;
    const len = keyLength(r.ip);
    const displace = (k: string) => {
      const cur = this.live(k);
      if (cur && heldByAnother(cur, r.sessionId, r.nas) && !newerThan(cur, supersedes) && this.evict(cur)) displaced?.push(k);
    };
    for (const l of this.lengths.desc) {
      if (l <= len) break;
      keysInside(r.ip, l, MAX_KEYS_INSIDE)?.forEach(displace);
    }
  }

  refresh(record: BindingRecord, supersedes?: number): SessionWrite {
    if (this.hasStopped(record)) return 'stopped';
    if (this.coverOutranks(record)) return 'newer';
    if (this.wasDisplaced(record)) return 'stopped';
    const cur = this.get(record.ip);
    if (cur && heldByAnother(cur, record.sessionId, record.nas)) return 'held';
    if (cur && newerThan(cur, supersedes)) return 'newer';
    this.set(keepingHeldSince(record, cur));
    return 'written';
  }

  removeIfSession(key: string, sessionId: string, nas: string): boolean {
    const cur = this.get(key);
    if (!cur || !sameSession(cur, sessionId, nas)) return false;
    return this.remove(key);
  }

  endSession(nas: string, sessionId: string, _keys?: string[], forMs?: number): void {
    this.stopped.add(nas, sessionId, forMs);
  }

  sessionEnded(nas: string, sessionId: string): boolean {
    return this.stopped.has(nas, sessionId);
  }

  private hasStopped(r: BindingRecord): boolean {
    return r.nas !== undefined && r.sessionId !== undefined && this.stopped.has(r.nas, r.sessionId);
  }

  /** Whether another session's prefix took this session's binding at this key over a moment ago (`displaced`). Checked after coverOutranks, in the order of the Redis store (its check, then the script's). */
  private wasDisplaced(r: BindingRecord): boolean {
    return r.sessionId !== undefined && this.displaced.has(displacedKey(r.ip, r.nas), r.sessionId);
  }

  nasRestarted(nas: string, at: number): void {
    this.restarts.add(nas, at);
  }

  restartOf(nas: string): number | undefined {
    return this.restarts.of(nas);
  }

  removeByNas(nas: string, notAfter: number): number {
    let n = 0;
    for (const [key, r] of this.map)
      if (r.nas === nas && eventOf(r) <= notAfter) {
        this.remove(key);
        n++;
      }
    return n;
  }

  list(): BindingRecord[] {
    this.sweep();
    return [...this.map.values()];
  }

  size(): number {
    return this.map.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private live(key: string): BindingRecord | undefined {
    const r = this.map.get(key);
    if (!r) return undefined;
    if (r.expiresAt !== undefined && r.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    return r;
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, r] of this.map) if (r.expiresAt !== undefined && r.expiresAt <= t) this.remove(key);
  }
}

function displacedKey(key: string, nas: string | undefined): string {
  return `${key}\n${nas ?? ''}`;
}
