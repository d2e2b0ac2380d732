// A log line that a flood of the same event must not repeat: a NAS with the
// wrong shared secret sends thousands of refused datagrams a minute, a store
// that is down fails a pipeline stage on every request. Per key, the first
// event is logged at once; further ones within `intervalMs` are counted and
// reported with the next line (`sinceLastLine`). Metrics count every event;
// the log stays readable. Keys past `maxKeys` share one overflow key, so
// spoofed sources cannot grow the map.
import type { Logger } from './log.js';

export type LogLevel = 'error' | 'warn' | 'info';

export class LogEvery {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
    private readonly o: { maxKeys?: number; overflowKey?: (key: string) => string; now?: () => number } = {},
  ) {}

  /** Logs `msg` for `key` unless it was logged less than intervalMs ago; returns whether it did. */
  write(level: LogLevel, key: string, msg: string, fields: Record<string, unknown>, countField = 'sinceLastLine'): boolean {
    if (!this.last.has(key) && this.last.size >= (this.o.maxKeys ?? 1024)) key = this.o.overflowKey?.(key) ?? '*';
    const t = (this.o.now ?? Date.now)();
    const seen = this.last.get(key);
    if (seen && t - seen.at < this.intervalMs) {
      seen.suppressed++;
      return false;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: t, suppressed: 0 });
    this.log[level](msg, suppressed > 0 ? { ...fields, [countField]: suppressed } : fields);
    return true;
  }
}
