// Which names the subscriber's page answers to. The page has no login: the
// phone's connection is the credential, and the phone's browser holds it. A
// DNS-rebinding site re-points its own name at the page's address; the
// browser then takes the page for that site's own origin (Origin and
// Sec-Fetch-Site say "same origin") and lets its script read the page — the
// masked number, the disclosure history, the form's token — and post the
// form. That site's name is in the Host header, and nowhere else can it hide,
// so the page answers only to its own name (transparency.host), to an IP
// literal (an address no DNS answer can re-point) and to loopback names.
// An old client without Host is no browser and is answered.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { authorityHost } from '../shared/authority.js';
import { isLoopbackHost } from '../config/admin-exposure.js';

export class PageHosts {
  private readonly name: string | undefined;

  /** `name`: transparency.host, the page's public name, if configured. */
  constructor(name: string | undefined) {
    this.name = name?.toLowerCase().replace(/\.$/, '');
  }

  /** False when the Host header (or an absolute-form target) names a host this page is not. */
  allows(req: IncomingMessage): boolean {
    const given = req.headers.host;
    if (given !== undefined && !this.ours(authorityHost(given))) return false;
    // Through hedge's proxy (the in-process hop) the target is absolute-form: its authority counts too.
    const target = req.url ?? '';
    if (target.startsWith('/') || target === '*') return true;
    try {
      const u = new URL(target);
      return (u.protocol === 'http:' || u.protocol === 'https:') && this.ours(authorityHost(u.host));
    } catch {
      return false;
    }
  }

  private ours(host: string | undefined): boolean {
    if (host === undefined) return false;
    return host === this.name || isIP(host) !== 0 || isLoopbackHost(host);
  }
}
