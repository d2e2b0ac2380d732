// The admin API's request paths as its access log writes them. Logs name
// attributes, never values, and the admin API's paths can carry a
// subscriber's address (`/bindings/10.20.30.40`) or, mistyped, a number: the
// bindings route is written as its template (`/bindings/:address`), and any
// other segment that reads as an address or a number as `:redacted`.
// Always, whatever admin.accessLog.clientAddress says: that option is about
// the peer (the operator's own tool), and a subscriber named in a path is
// never the peer.
import { isIP } from 'node:net';

/** The route that takes an address (or IPv6 prefix) as the rest of its path (admin/server.ts). */
const BINDINGS = '/bindings/';
const MAX_LENGTH = 256;

export function adminAccessPath(path: string): string {
  if (path.startsWith(BINDINGS)) return `${BINDINGS}:address`;
  return path
    .slice(0, MAX_LENGTH)
    .split('/')
    .map((s) => (namesSomeone(s) ? ':redacted' : s))
    .join('/');
}

/**
 * Whether a path segment may hold an address or a number, percent-encoded or
 * not: an IPv4 dotted quad anywhere in it, a colon (IPv6, also abbreviated or
 * as a prefix), an IP address by itself, or seven digits or more (a national
 * number, an IMSI, an IMEI). No admin route has a segment like that.
 */
function namesSomeone(segment: string): boolean {
  const s = decoded(segment);
  return isIP(s) !== 0 || s.includes(':') || /\d{1,3}(?:\.\d{1,3}){3}/.test(s) || (s.match(/\d/g)?.length ?? 0) >= 7;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // Broken encoding ("%zz"): judge the text as sent, "%3A" included.
    return s.replace(/%3a/gi, ':');
  }
}
