// Short-lived, single-use entries: authorisation codes, access tokens and the
// client assertions already seen (jti). Bounded: when full, nothing new is
// accepted (the caller answers "temporarily unavailable") rather than growing
// without limit under a flood. Expired entries are swept on a timer.
export class SingleUseStore<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly max: number,
    sweepEveryMs = 5000,
  ) {
    this.timer = setInterval(() => this.sweep(), sweepEveryMs);
    this.timer.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds an entry; false when the store is full or the key exists (a replay). */
  add(key: string, value: V, expiresAt: number): boolean {
    if (this.entries.size >= this.max) {
      this.sweep(Date.now(), true);
      if (this.entries.size >= this.max) return false;
    }
    const prev = this.entries.get(key);
    if (prev && prev.expiresAt > Date.now()) return false;
    this.entries.set(key, { value, expiresAt });
    return true;
  }

  /** Removes and returns a live entry: the second take of the same key gets nothing. */
  take(key: string, now = Date.now()): { value: V } | { expired: V } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    return e.expiresAt > now ? { value: e.value } : { expired: e.value };
  }

  /** Reads without consuming. */
  peek(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    return e && e.expiresAt > now ? e.value : undefined;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /**
   * Drops expired entries. Entries arrive in (nearly) expiry order — one
   * lifetime per store — so the walk stops at the first run of live ones
   * instead of touching every entry (a full walk of 100k tokens is a pause
   * every request would feel). A rare shorter-lived entry behind them is
   * refused by take() anyway and dropped on a later sweep or when full.
   */
  sweep(now = Date.now(), full = false): void {
    let live = 0;
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now) {
        this.entries.delete(k);
        live = 0;
      } else if (!full && ++live >= 64) return;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.entries.clear();
  }
}
