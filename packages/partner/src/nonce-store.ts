// Replay protection: a nonce is accepted once within its validity window.
// The memory store suits one partner process; partners running several
// servers pass a shared store (e.g. Redis SET NX PX) with the same interface.
export interface NonceStore {
  /** Records the nonce; returns false when it was already seen (a replay). */
  remember(key: string, expiresAtMs: number): boolean | Promise<boolean>;
}

export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();
  private inserts = 0;

  remember(key: string, expiresAtMs: number): boolean {
    const now = Date.now();
    const prev = this.seen.get(key);
    if (prev !== undefined && prev > now) return false;
    this.seen.set(key, expiresAtMs);
    if (++this.inserts % 1024 === 0) for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
