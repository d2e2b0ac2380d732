// Parsing the request target (RFC 9112 §3.2). A forward proxy gets
// absolute-form ("GET http://host:port/path"); a transparent one gets
// origin-form with the destination in Host. Anything odd is refused: the
// target decides who receives a subscriber's identity.
import { isIP } from 'node:net';
import { normalizeHostName } from './host-pattern.js';

/** Where a request goes: the Flow's target (src/pipeline/flow.ts). */
export interface Target {
  scheme: 'http' | 'https';
  /** Lower-case host name or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
  /** Origin-form path and query, always starting with "/" (or "*" for OPTIONS). */
  path: string;
}

export type TargetResult = Target | { error: string };

/** Parses "host", "host:port", "[v6]:port" into a lower-case host and port. */
export function parseAuthority(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  if (authority.length === 0 || authority.length > 262) return undefined;
  let host: string;
  let portText: string | undefined;
  if (authority.charCodeAt(0) === 91 /* [ */) {
    const end = authority.indexOf(']');
    if (end === -1) return undefined;
    host = authority.slice(1, end);
    if (isIP(host) !== 6) return undefined;
    const rest = authority.slice(end + 1);
    if (rest.length) {
      if (rest.charCodeAt(0) !== 58) return undefined;
      portText = rest.slice(1);
    }
    host = host.toLowerCase();
  } else {
    const colon = authority.indexOf(':');
    if (colon !== -1) {
      portText = authority.slice(colon + 1);
      authority = authority.slice(0, colon);
    }
    const h = normalizeHostName(authority);
    if (!h) return undefined;
    host = h;
  }
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { host, port };
}

/** absolute-form: http://authority[/path][?query] — userinfo and fragments are refused. */
export function parseAbsoluteForm(url: string): TargetResult {
  let scheme: 'http' | 'https';
  let rest: string;
  const lower = url.slice(0, 8).toLowerCase();
  if (lower.startsWith('http://')) {
    scheme = 'http';
    rest = url.slice(7);
  } else if (lower.startsWith('https://')) {
    scheme = 'https';
    rest = url.slice(8);
  } else return { error: 'only http:// targets can be proxied (use CONNECT for https)' };
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */) {
      end = i;
      break;
    }
    if (c === 64 /* @ */) return { error: 'userinfo in the request target is not allowed' };
    if (c === 35 /* # */) return { error: 'fragment in the request target is not allowed' };
  }
  const auth = parseAuthority(rest.slice(0, end), scheme === 'http' ? 80 : 443);
  if (!auth) return { error: 'invalid host in the request target' };
  let path = rest.slice(end);
  if (path.length === 0) path = '/';
  else if (path.charCodeAt(0) === 63) path = '/' + path;
  if (path.includes('#')) return { error: 'fragment in the request target is not allowed' };
  return { scheme, host: auth.host, port: auth.port, path };
}

export function parseOriginForm(url: string, hostHeader: string | undefined): TargetResult {
  if (url.charCodeAt(0) !== 47 && url !== '*') return { error: 'expected an origin-form request target' };
  if (hostHeader === undefined) return { error: 'missing Host header' };
  const auth = parseAuthority(hostHeader, 80);
  if (!auth) return { error: 'invalid Host header' };
  if (url.includes('#')) return { error: 'fragment in the request target is not allowed' };
  return { scheme: 'http', host: auth.host, port: auth.port, path: url };
}

/** Formats host:port for a Host header, omitting the scheme's default port. */
export function formatAuthority(t: Target): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  const dflt = t.scheme === 'http' ? 80 : 443;
  return t.port === dflt ? host : `${host}:${t.port}`;
}
