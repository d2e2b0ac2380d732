// How long the primary of a --workers cluster waits before it replaces a
// worker. A replacement that cannot start (HEDGE_ERR_WORKER_POLICY_CHANGED: a
// key file edited since the last reload; the files it starts from cannot be
// written) was tried again every 0.5 s for as long as the cause lasted: a
// process start, a stack of error lines and a config load twice a second, on
// a host that is serving. Each slot now waits twice as long after each worker
// that did not serve for long (0.5 s, 1 s, 2 s … 30 s at most), and starts
// again from 0.5 s once one of its workers has served for a minute.

export const RESTART_BASE_MS = 500;
export const RESTART_CAP_MS = 30_000;
/** A worker that served this long was healthy: its slot's next replacement waits RESTART_BASE_MS again. */
export const HEALTHY_AFTER_MS = 60_000;

export interface RestartDelay {
  delayMs: number;
  /** The wait grew (0.5 s → 1 s → … → 30 s): logged once per step, not at every attempt at the cap. */
  longer: boolean;
}

export class RestartBackoff {
  private readonly slots = new Map<number, { failures: number; servingSince: number | undefined; lastMs: number }>();

  constructor(private readonly o = { baseMs: RESTART_BASE_MS, capMs: RESTART_CAP_MS, healthyAfterMs: HEALTHY_AFTER_MS }) {}

  /** The slot's worker serves (its hedge:worker-ready). */
  serving(slot: number, now = Date.now()): void {
    this.state(slot).servingSince = now;
  }

  /**
   * Every slot starts again from RESTART_BASE_MS: the cause of the failures was dealt with (a reload put the
   * fixed files in force while no worker served, node/reload-without-workers.ts).
   */
  reset(): void {
    this.slots.clear();
  }

  /** The slot's worker exited, or its fork was refused: how long to wait before the next one. */
  stopped(slot: number, now = Date.now()): RestartDelay {
    const s = this.state(slot);
    if (s.servingSince !== undefined && now - s.servingSince >= this.o.healthyAfterMs) s.failures = 0;
    s.servingSince = undefined;
    const delayMs = Math.min(this.o.baseMs * 2 ** s.failures, this.o.capMs);
    const longer = delayMs > s.lastMs && delayMs > this.o.baseMs;
    s.lastMs = delayMs;
    if (delayMs < this.o.capMs) s.failures++;
    return { delayMs, longer };
  }

  private state(slot: number) {
    let s = this.slots.get(slot);
    if (!s) this.slots.set(slot, (s = { failures: 0, servingSince: undefined, lastMs: 0 }));
    return s;
  }
}
