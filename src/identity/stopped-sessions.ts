// Sessions that stopped a moment ago (tombstones). A NAS retransmits what it
// sees unanswered, and the network may reorder: a Start or Interim-Update of a
// session can arrive after its Stop. Without a record that the session ended,
// it would bind the address again, and whoever the NAS gives the address to
// next would be identified as the old subscriber until their own Start. So a
// Stop is remembered — at least STOPPED_SESSION_MS, longer than any NAS's
// retransmission window, and at least as long as a packet of that session can
// still be accepted at all (stoppedSessionMs: radius.maxEventAgeSeconds plus
// the clock skew allowed; a Start dated before its Stop is refused as too old
// after that) — and a Start or Interim of that session is then acknowledged
// but binds nothing. A session is (NAS, Acct-Session-Id): the id
// is unique per NAS only (RFC 2866 §5.5).
//
// This is the in-process record (memory store, the --workers primary, stores
// without their own); the Redis store keeps its tombstones in Redis
// (redis-store.ts), so every node sharing it sees them.

/** How long a stopped session is remembered at least: a few minutes, well beyond a NAS's retransmission window. */
export const STOPPED_SESSION_MS = 5 * 60_000;

/**
 * How long a Stop must be remembered for: until no Start or Interim of its session can be accepted
 * any more — one dated at the Stop (or up to the clock skew after it, a NAS clock running ahead) is
 * accepted for maxEventAgeSeconds — and never less than STOPPED_SESSION_MS.
 */
export function stoppedSessionMs(maxEventAgeSeconds: number, clockSkewSeconds: number): number {
  return Math.max(STOPPED_SESSION_MS, (maxEventAgeSeconds + clockSkewSeconds) * 1000);
}
/** At most this many remembered at once; beyond it the oldest are forgotten first (memory stays bounded under a Stop flood). */
export const STOPPED_SESSION_MAX = 200_000;

export class StoppedSessions {
  /**
   * (nas, session id) → until (epoch ms). Map order is insertion order; entries live as long unless
   * the retention changed (a reload of radius.maxEventAgeSeconds): roughly oldest first.
   */
  private readonly map = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = STOPPED_SESSION_MS,
    private readonly max = STOPPED_SESSION_MAX,
  ) {}

  /** Remembers that the session stopped, for `forMs` (stoppedSessionMs), else this record's default. */
  add(nas: string, sessionId: string, forMs = this.ttlMs): void {
    const k = keyOf(nas, sessionId);
    this.map.delete(k);
    this.prune();
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, this.now() + forMs);
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

  /** Drops expired entries from the front (the oldest); one kept longer stops it, has() drops the rest when asked. */
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
