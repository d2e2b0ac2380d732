// The host an HTTP authority names (a Host header, the authority of an
// absolute-form target), for listeners that answer only to their own names:
// a DNS-rebinding page reaches them under its own name, and that is how they
// tell (admin/browser-guard.ts, transparency/page-hosts.ts).
import { isIP } from 'node:net';

/**
 * The hostname of an authority ("host", "host:port", "[v6]", "[v6]:port"), lower-case and without one
 * trailing dot; undefined when it is not one.
 */
export function authorityHost(authority: string): string | undefined {
  let host: string;
  let rest: string;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end === -1) return undefined;
    host = authority.slice(1, end);
    if (isIP(host) !== 6) return undefined;
    rest = authority.slice(end + 1);
  } else {
    const colon = authority.indexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    rest = colon === -1 ? '' : authority.slice(colon);
    if (!/^[a-z0-9._-]+$/i.test(host)) return undefined;
  }
  if (rest !== '' && !/^:\d{0,5}$/.test(rest)) return undefined;
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host === '' ? undefined : host;
}
