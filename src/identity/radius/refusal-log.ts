// One log line per refused RADIUS datagram, rate limited: a NAS with the wrong
// shared secret or a number plan hedge cannot read sends thousands a minute, and
// the log must stay readable. Per (reason, NAS) the first refusal is logged at
// once; further ones within `intervalMs` are counted and reported with the next
// line. Fields name the reason and the NAS, never the number or any attribute value.
import type { Logger } from '../../shared/log.js';

// Refusals from sources that are not NAS clients are keyed by address; past
// this many keys they share one key per reason, so spoofed sources cannot grow the map.
const MAX_KEYS = 1024;

export class RefusalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  refused(msg: string, reason: string, nas: string, fields: Record<string, unknown> = {}): void {
    let key = `${reason}\0${nas}`;
    if (!this.last.has(key) && this.last.size >= MAX_KEYS) key = `${reason}\0*`;
    const t = this.now();
    const seen = this.last.get(key);
    if (seen && t - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: t, suppressed: 0 });
    this.log.warn(msg, { reason, nas, ...fields, ...(suppressed > 0 ? { alsoRefusedSinceLastLine: suppressed } : {}) });
  }
}
