// What keeps a web browser from driving the admin API. Without admin.token
// (allowed, and the default, on loopback) the network position is the only
// credential, and a browser on the gateway host holds it: a page elsewhere can
// send a "simple" cross-site POST (text/plain, no preflight) to 127.0.0.1, and
// a DNS-rebinding page (its own name re-pointed at 127.0.0.1) can even read the
// answers, since the browser then thinks it talks to the page's own origin.
// Three checks, before any route (public ones included):
//   - Host names this admin API: an address the connection arrived at or the
//     listener is bound to, a loopback literal, `localhost`, or a name listed in
//     admin.hostnames; a rebinding page's Host is its own name (421);
//   - no browser says the request is cross-site: Origin, when present, is the
//     admin API's own; Sec-Fetch-Site, when present, is same-origin or none (403);
//   - a request body is JSON, declared so (415): a browser sends
//     application/json cross-site only after a CORS preflight, which is never granted.
import type { IncomingMessage } from 'node:http';
import { parseIp } from '../destination/ip.js';
import { authorityHost } from '../shared/authority.js';
import { isLoopbackHost } from '../config/admin-exposure.js';
import { ErrorCodes, type ErrorCode } from '../shared/errors.js';

export { authorityHost };

export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
}

/** One key for a host: an IP literal by its address (127.0.0.1 = ::ffff:127.0.0.1), a name by its lower-case text. */
export function hostKey(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  const ip = parseIp(h);
  return ip ? `ip:${Buffer.from(ip).toString('hex')}` : `name:${h}`;
}

const UNSPECIFIED = new Set([hostKey('0.0.0.0'), hostKey('::')]);

export class AdminBrowserGuard {
  private readonly names = new Set<string>();

  /** `hostnames`: admin.hostnames, the extra names (or addresses) the admin API answers to. */
  constructor(hostnames: readonly string[] = []) {
    for (const n of hostnames) this.names.add(hostKey(n));
  }

  /** The address the listener is bound to (a specific one is accepted as Host even before a connection names it). */
  boundTo(host: string): void {
    const k = hostKey(host);
    if (!UNSPECIFIED.has(k)) this.names.add(k);
  }

  /** Why this request is refused, or undefined when it may go on to the routes. */
  refusal(req: IncomingMessage): Refusal | undefined {
    return this.hostRefusal(req) ?? crossSiteRefusal(req) ?? contentTypeRefusal(req);
  }

  private hostAllowed(host: string, localAddress: string | undefined): boolean {
    if (isLoopbackHost(host)) return true;
    const k = hostKey(host);
    if (this.names.has(k)) return true;
    return localAddress !== undefined && k.startsWith('ip:') && k === hostKey(localAddress);
  }

  private hostRefusal(req: IncomingMessage): Refusal | undefined {
    const refused: Refusal = {
      status: 421,
      code: ErrorCodes.ADMIN_HOST,
      message: 'the admin API does not answer to this Host: address it by an IP address it listens on, a loopback address or localhost, or list the name in admin.hostnames',
    };
    const local = req.socket.localAddress;
    // A browser always sends Host; only an old HTTP/1.0 client (a health checker) leaves it out.
    const given = req.headers.host;
    if (given !== undefined) {
      const host = authorityHost(given);
      if (host === undefined || !this.hostAllowed(host, local)) return refused;
    }
    // An absolute-form target ("GET http://name/…") names a host too: the same rule.
    const target = req.url ?? '';
    if (!target.startsWith('/') && target !== '*') {
      let host: string | undefined;
      try {
        const u = new URL(target);
        host = u.protocol === 'http:' || u.protocol === 'https:' ? authorityHost(u.host) : undefined;
      } catch {
        host = undefined;
      }
      if (host === undefined || !this.hostAllowed(host, local)) return refused;
    }
    return undefined;
  }
}

/** A browser saying the request comes from another site or origin: Sec-Fetch-Site, or an Origin that is not the admin API's. */
export function crossSiteRefusal(req: IncomingMessage): Refusal | undefined {
  const refused: Refusal = { status: 403, code: ErrorCodes.ADMIN_CROSS_SITE, message: 'the admin API does not serve requests a browser sends from another site' };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return refused;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const host = req.headers.host;
  if (origin === 'null' || host === undefined) return refused;
  try {
    const o = new URL(origin);
    if ((o.protocol !== 'http:' && o.protocol !== 'https:') || o.host !== new URL(`${o.protocol}//${host}`).host) return refused;
  } catch {
    return refused;
  }
  return undefined;
}

/** A request with a body (other than GET and HEAD) whose Content-Type is not application/json. */
export function contentTypeRefusal(req: IncomingMessage): Refusal | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && !/^0+$/.test(length.trim()));
  if (!hasBody) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return { status: 415, code: ErrorCodes.ADMIN_CONTENT_TYPE, message: 'a request body must be JSON sent as Content-Type: application/json' };
}
