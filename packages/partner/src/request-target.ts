// What RFC 9421 derives from a received request: method, scheme, @authority
// (Host as received, lower case, without the scheme's default port), the
// origin-form target (path and query exactly as received), and the header
// field values. From a Node IncomingMessage (rawHeaders keeps duplicates) or
// a Fetch API Request.
import type { FetchLikeRequest, NodeLikeRequest, PartnerRequest } from './request-view.js';
import { authorityOf } from './rfc9421.js';

export interface ReceivedRequest {
  method: string;
  scheme: 'http' | 'https';
  authority: string;
  /** Host without port or brackets, lower case (compared with your host names). */
  host: string;
  /** Origin-form target: path and query as received. */
  target: string;
  values(name: string): string[];
  /** Header names, lower case, one per field line. */
  names(): string[];
}

/**
 * The request as both verifiers read it, or why it cannot be read: a URL the
 * WHATWG parser refuses (Node hands a server `GET http://[::1/x` as it came;
 * a Fetch-like object may carry a relative url). Whoever can reach the
 * partner's server can send one, so it is a refusal, never a throw.
 */
export function requestTarget(req: PartnerRequest): ReceivedRequest | { malformed: string } {
  try {
    return readRequest(req);
  } catch (err) {
    if (err instanceof UnreadableUrl) return { malformed: err.message };
    throw err;
  }
}

class UnreadableUrl extends Error {}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new UnreadableUrl('the request URL cannot be parsed');
  }
}

function readRequest(req: PartnerRequest): ReceivedRequest {
  const h = req.headers as FetchLikeRequest['headers'] | NodeLikeRequest['headers'];
  if (typeof (h as FetchLikeRequest['headers']).get === 'function') {
    const fh = h as FetchLikeRequest['headers'];
    const u = parseUrl(req.url ?? '/');
    const scheme = u.protocol === 'https:' ? 'https' : 'http';
    // URL keeps the path and query percent-encoded as given; its host is already lower case without the default port.
    return {
      method: (req.method ?? 'GET').toUpperCase(),
      scheme,
      authority: u.host,
      host: u.hostname.replace(/^\[|\]$/g, ''),
      target: u.pathname + u.search + (u.search === '' && u.href.endsWith('?') ? '?' : ''),
      values: (name) => {
        const v = fh.get(name);
        return v === null ? [] : [v];
      },
      names: () => {
        const out: string[] = [];
        fh.forEach((_v, n) => out.push(n.toLowerCase()));
        return out;
      },
    };
  }
  const nh = h as NodeLikeRequest['headers'];
  const raw = (req as NodeLikeRequest).rawHeaders;
  const encrypted = (req as { socket?: { encrypted?: boolean } }).socket?.encrypted === true;
  let scheme: 'http' | 'https' = encrypted ? 'https' : 'http';
  const url = req.url ?? '/';
  let authority: string;
  let target: string;
  if (/^https?:\/\//i.test(url)) {
    const u = parseUrl(url);
    scheme = u.protocol === 'https:' ? 'https' : 'http';
    authority = u.host;
    const slash = url.indexOf('/', url.indexOf('://') + 3);
    target = slash === -1 ? '/' : url.slice(slash);
  } else {
    const hv = nh.host;
    authority = normaliseAuthority(typeof hv === 'string' ? hv : '', scheme);
    target = url;
  }
  const values = (name: string): string[] => {
    const lower = name.toLowerCase();
    if (raw) {
      const out: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === lower) out.push(raw[i + 1]!);
      return out;
    }
    const v = nh[lower];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    scheme,
    authority,
    host: hostOf(authority),
    target,
    values,
    names: () => (raw ? raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()) : Object.keys(nh).map((n) => n.toLowerCase())),
  };
}

function normaliseAuthority(hostHeader: string, scheme: 'http' | 'https'): string {
  const v = hostHeader.trim().toLowerCase();
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(v);
  if (!m) return v;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return m[2] === undefined ? authorityOf(host, scheme === 'https' ? 443 : 80, scheme) : authorityOf(host, Number(m[2]), scheme);
}

function hostOf(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(1, authority.indexOf(']'));
  const c = authority.lastIndexOf(':');
  return c === -1 ? authority : authority.slice(0, c);
}
