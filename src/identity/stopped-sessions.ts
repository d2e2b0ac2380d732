// Sessions that stopped a moment ago (tombstones). A NAS retransmits what it
// sees unanswered, and the network may reorder: a Start or Interim-Update of a
// session can arrive after its Stop. Without a record that the session ended,
// it would bind the address again, and whoever the NAS gives the address to
// next would be identified as the old subscriber until their own Start. So a
// Stop is remembered for STOPPED_SESSION_MS — longer than any NAS's
// retransmission window — and a Start or Interim of that session is then
// acknowledged but binds nothing. A session is (NAS, Acct-Session-Id): the id
// is unique per NAS only (RFC 2866 §5.5).
//
// This is the in-process record (memory store, the --workers primary, stores
// without their own); the Redis store keeps its tombstones in Redis
// (redis-store.ts), so every node sharing it sees them.

/** How long a stopped session is remembered: a few minutes, well beyond a NAS's retransmission window. */
export const STOPPED_SESSION_MS = 5 * 60_000;
/** At most this many remembered at once; beyond it the oldest are forgotten first (memory stays bounded under a Stop flood). */
export const STOPPED_SESSION_MAX = 200_000;

export class StoppedSessions {
  /** (nas, session id) → until (epoch ms). Map order is insertion order, and every entry lives as long: oldest first. */
  private readonly map = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = STOPPED_SESSION_MS,
    private readonly max = STOPPED_SESSION_MAX,
  ) {}

  add(nas: string, sessionId: string): void {
    const k = keyOf(nas, sessionId);
    this.map.delete(k);
    this.prune();
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, this.now() + this.ttlMs);
  }

  has(nas: string, sessionId: string): boolean {
    const k = keyOf(nas, sessionId);
    const until = this.map.get(k);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.map.delete(k);
    return false;
  }

  get size(): number {
    return this.map.size;
  }

  /** Drops expired entries from the front (the oldest). */
  private prune(): void {
    const t = this.now();
    for (const [k, until] of this.map) {
      if (until > t) return;
      this.map.delete(k);
    }
  }
}

function keyOf(nas: string, sessionId: string): string {
  return `${nas}\n${sessionId}`;
}
