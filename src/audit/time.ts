// Reading the times operators type for --from/--to/--before: ISO 8601
// (2012-01-10, 2012-01-10T14:00, 2012-01-10T14:00:00Z), "now", or a
// duration ago ("15m", "24h", "30d"). A date without a zone is UTC.
import { ErrorCodes, HedgeError } from '../shared/errors.js';

export function parseTime(text: string, what: string, now = Date.now()): number {
  const s = text.trim();
  if (s === 'now') return now;
  const ago = /^(\d+)(s|m|h|d)$/.exec(s);
  if (ago) return now - Number(ago[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[ago[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    const iso = s.replace(' ', 'T');
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : iso.length === 10 ? `${iso}T00:00:00Z` : `${iso}Z`;
    const t = Date.parse(zoned);
    if (!Number.isNaN(t)) return t;
  }
  throw new HedgeError(ErrorCodes.AUDIT_REPORT, `${what}: "${text}" is not a time (ISO 8601 such as 2012-01-10T14:00Z, "now", or "24h" ago)`);
}
