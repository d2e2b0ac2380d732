// One log line per refused RADIUS datagram, rate limited: a NAS with the wrong
// shared secret or a number plan hedge cannot read sends thousands a minute, and
// the log must stay readable. Per (reason, NAS) the first refusal is logged at
// once; further ones within `intervalMs` are counted and reported with the next
// line. Fields name the reason and the NAS, never the number or any attribute value.
import type { Logger } from '../../shared/log.js';
import { LogEvery } from '../../shared/log-every.js';

export class RefusalLog {
  private readonly every: LogEvery;

  constructor(log: Logger, intervalMs = 10_000, now: () => number = Date.now) {
    // Refusals from sources that are not NAS clients are keyed by address; past 1024 keys they share one key per
    // reason, so spoofed sources cannot grow the map.
    this.every = new LogEvery(log, intervalMs, { maxKeys: 1024, overflowKey: (k) => `${k.slice(0, k.indexOf('\0'))}\0*`, now });
  }

  refused(msg: string, reason: string, nas: string, fields: Record<string, unknown> = {}): void {
    this.every.write('warn', `${reason}\0${nas}`, msg, { reason, nas, ...fields }, 'alsoRefusedSinceLastLine');
  }
}
