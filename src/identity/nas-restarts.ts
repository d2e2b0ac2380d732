// When each NAS last restarted, in this process (memory store, the --workers
// primary, stores without their own record). Accounting-On/Off says a NAS
// restarted: every session it had is over, without a Stop. Its bindings are
// removed, but a Start or Interim-Update of one of those sessions can still
// arrive afterwards — accounting the NAS stored across its restart, a
// reordered packet, a replay within maxEventAgeSeconds — and would re-create
// the binding as if hedge had merely lost it, identifying the address's next
// holder as the dead session's subscriber. So the restart is remembered, and
// a Start or Interim of that NAS dated before it binds nothing
// (radius/freshness.ts). Only the latest restart counts: a replayed older
// Accounting-On moves nothing back. The Redis store keeps it in Redis
// (redis-store.ts), so every node sharing it sees it.

/** How long a restart is remembered: a Start or Interim older than this is refused anyway (radius.maxEventAgeSeconds is at most a day). */
export const NAS_RESTART_MS = 86_400_000;
/** At most this many NASes remembered at once (a proxy may name many); beyond it the oldest record is forgotten first. */
export const NAS_RESTART_MAX = 10_000;

export class NasRestarts {
  /** nas → { at: the restart's event time, until: when forgotten }; Map order is insertion order: oldest first. */
  private readonly map = new Map<string, { at: number; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = NAS_RESTART_MS,
    private readonly max = NAS_RESTART_MAX,
  ) {}

  /** Records a restart at `at` (epoch ms) unless a later one is known. */
  add(nas: string, at: number): void {
    const cur = this.of(nas);
    if (cur !== undefined && cur >= at) return;
    this.map.delete(nas);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(nas, { at, until: this.now() + this.ttlMs });
  }

  /** The NAS's latest restart (epoch ms), if remembered. */
  of(nas: string): number | undefined {
    const r = this.map.get(nas);
    if (r === undefined) return undefined;
    if (r.until > this.now()) return r.at;
    this.map.delete(nas);
    return undefined;
  }
}
