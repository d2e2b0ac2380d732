// Host patterns as used by partners and proxy.resolve:
//   exact      my.operator.example        that name only
//   wildcard   *.agegate.example          any subdomain, at any depth, not the apex
//   any        *                          every host (lints refuse identity grants to it)
// each optionally followed by :port (then only that port matches).
import { isIP } from 'node:net';

export interface HostPattern {
  /** The pattern as written, for messages. */
  text: string;
  kind: 'exact' | 'wildcard' | 'any';
  /** exact: the host; wildcard: the suffix without the leading "*." ; any: "" */
  host: string;
  port: number | undefined;
}

/**
 * Dot-separated labels of 1–63 letters, digits, hyphens and underscores. Looser
 * than RFC 1123 on purpose: names with an underscore or an edge hyphen occur in
 * real traffic and are matched, not refused. One expression over the whole
 * name, as every request's target host passes here.
 */
const HOST_NAME = /^[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*$/;

/** Lower-cases a DNS name and checks its syntax; returns undefined when invalid. */
export function normalizeHostName(name: string): string | undefined {
  let h = name.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 253) return undefined;
  // Dotted-decimal IPv4 starts with a digit: a name (every request's target host) skips the address parser.
  const first = h.charCodeAt(0);
  if (first >= 48 && first <= 57 && isIP(h) === 4) return h;
  return HOST_NAME.test(h) ? h : undefined;
}

export function parseHostPattern(text: string): HostPattern | string {
  if (typeof text !== 'string' || text.length === 0) return 'a host pattern must be a non-empty string';
  let rest = text.trim().toLowerCase();
  let port: number | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    const p = rest.slice(colon + 1);
    if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) return `"${text}": port must be 1-65535`;
    port = Number(p);
    rest = rest.slice(0, colon);
  }
  if (rest === '*') return { text, kind: 'any', host: '', port };
  if (rest.startsWith('*.')) {
    const suffix = normalizeHostName(rest.slice(2));
    if (!suffix || suffix.includes('*')) return `"${text}": expected "*.domain" with a valid domain after "*."`;
    return { text, kind: 'wildcard', host: suffix, port };
  }
  if (rest.includes('*')) return `"${text}": "*" is only allowed as the whole first label ("*.domain")`;
  const host = normalizeHostName(rest);
  if (!host) return `"${text}": not a valid host name`;
  return { text, kind: 'exact', host, port };
}

export function hostPatternMatches(p: HostPattern, host: string, port: number): boolean {
  if (p.port !== undefined && p.port !== port) return false;
  if (p.kind === 'any') return true;
  if (p.kind === 'exact') return host === p.host;
  return host.length > p.host.length + 1 && host.endsWith(p.host) && host.charCodeAt(host.length - p.host.length - 1) === 46;
}
