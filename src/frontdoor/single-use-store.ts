// Short-lived, single-use entries: authorisation codes, access tokens and the
// client assertions already seen (jti). Bounded: when full, nothing new is
// accepted (the caller answers "temporarily unavailable") rather than growing
// without limit under a flood. Expired entries are swept on a timer.
//
// Quotas share the store out: each names what an entry is counted under (its
// client, the address it came from) and how many live entries one such owner
// may hold, so one client (or one phone) that fills its own share leaves the
// rest of the store to everyone else.
export interface Quota<V> {
  /** Named in the refusal: "client", "address". */
  readonly name: string;
  /** Live entries one owner may hold. */
  readonly max: number;
  /** The owner an entry is counted under; undefined: not counted. */
  keyOf(value: V): string | undefined;
}

export type PutResult = { ok: true } | { ok: false; why: 'duplicate' | 'full' } | { ok: false; why: 'quota'; quota: string };

const OK: PutResult = { ok: true };
const DUPLICATE: PutResult = { ok: false, why: 'duplicate' };
const FULL: PutResult = { ok: false, why: 'full' };

export class SingleUseStore<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly counts: Map<string, number>[];
  private readonly timer: NodeJS.Timeout;
  private lastFullSweep = 0;

  constructor(
    private readonly max: number,
    private readonly quotas: readonly Quota<V>[] = [],
    private readonly sweepEveryMs = 5000,
  ) {
    this.counts = quotas.map(() => new Map());
    this.timer = setInterval(() => this.sweep(), sweepEveryMs);
    this.timer.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Live entries (not yet swept) counted under `owner` for the quota named `quota`. */
  held(quota: string, owner: string): number {
    const i = this.quotas.findIndex((q) => q.name === quota);
    return i === -1 ? 0 : (this.counts[i]!.get(owner) ?? 0);
  }

  /** Adds an entry; refused when the key is live already (a replay), the store is full, or an owner of the value is at its quota. */
  put(key: string, value: V, expiresAt: number, now = Date.now()): PutResult {
    const prev = this.entries.get(key);
    if (prev && prev.expiresAt > now) return DUPLICATE;
    const room = this.room(value, now);
    if (!room.ok) return room;
    if (prev) this.remove(key, prev.value);
    this.entries.set(key, { value, expiresAt });
    for (let i = 0; i < this.quotas.length; i++) {
      const owner = this.quotas[i]!.keyOf(value);
      if (owner !== undefined) this.counts[i]!.set(owner, (this.counts[i]!.get(owner) ?? 0) + 1);
    }
    return OK;
  }

  /**
   * Whether an entry like `value` would be accepted now (ignoring its key).
   * When the store or a quota is at its bound, the expired entries at the head
   * are dropped (cheap: entries arrive in nearly expiry order); a walk of the
   * whole store, for shorter-lived entries behind live ones, happens at most
   * once per sweep interval — a refusal under a flood costs O(1), not a walk.
   */
  room(value: V, now = Date.now()): PutResult {
    let r = this.fits(value);
    if (r.ok) return r;
    this.sweep(now);
    r = this.fits(value);
    if (r.ok || now - this.lastFullSweep < this.sweepEveryMs) return r;
    this.lastFullSweep = now;
    this.sweep(now, true);
    return this.fits(value);
  }

  private fits(value: V): PutResult {
    if (this.entries.size >= this.max) return FULL;
    for (let i = 0; i < this.quotas.length; i++) {
      const q = this.quotas[i]!;
      const owner = q.keyOf(value);
      if (owner !== undefined && (this.counts[i]!.get(owner) ?? 0) >= q.max) return { ok: false, why: 'quota', quota: q.name };
    }
    return OK;
  }

  /** Removes and returns a live entry: the second take of the same key gets nothing. */
  take(key: string, now = Date.now()): { value: V } | { expired: V } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.remove(key, e.value);
    return e.expiresAt > now ? { value: e.value } : { expired: e.value };
  }

  /** Reads without consuming. */
  peek(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    return e && e.expiresAt > now ? e.value : undefined;
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (e) this.remove(key, e.value);
  }

  private remove(key: string, value: V): void {
    this.entries.delete(key);
    for (let i = 0; i < this.quotas.length; i++) {
      const owner = this.quotas[i]!.keyOf(value);
      if (owner === undefined) continue;
      const n = (this.counts[i]!.get(owner) ?? 0) - 1;
      if (n > 0) this.counts[i]!.set(owner, n);
      else this.counts[i]!.delete(owner);
    }
  }

  /**
   * Drops expired entries. Entries arrive in (nearly) expiry order — one
   * lifetime per store — so the walk stops at the first run of live ones
   * instead of touching every entry (a full walk of 100k tokens is a pause
   * every request would feel). A rare shorter-lived entry behind them is
   * refused by take() anyway and dropped on a later sweep or by room().
   */
  sweep(now = Date.now(), full = false): void {
    let live = 0;
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now) {
        this.remove(k, e.value);
        live = 0;
      } else if (!full && ++live >= 64) return;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.entries.clear();
    for (const c of this.counts) c.clear();
  }
}
