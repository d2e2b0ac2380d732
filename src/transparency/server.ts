// The subscriber's own page: "what has my operator told about me?". Its own
// listener (transparency.listen). It recognises the visitor the way the proxy
// does — the connection's source address through the binding store, failing
// closed — never from a header a client could forge, and never when the
// request came through hedge's proxy as an ordinary upstream (hedge's Via
// token: the address would be the gateway's own). It reads the subscriber's
// disclosures from the audit by their keyed reference only, shows the number
// masked, and takes consent withdrawals and objections per partner.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BindingStore } from '../identity/store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import type { ConsentStore } from '../identity/consent.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { AuditStore } from '../audit/store.js';
import type { AuditEvent } from '../audit/audit-log.js';
import type { Logger } from '../shared/log.js';
import { maskIdentifier } from '../shared/mask.js';
import { unmapIPv4 } from '../shared/address.js';
import { RateLimiter } from '../checker/rate-limit.js';
import { listenOn } from '../shared/listen.js';
import { answerParserRefusal } from '../shared/parser-refusal.js';
import { handleExpect, refuseExpectation } from '../shared/expect.js';
import { boundListener, timeoutOptions, type ListenerLimits } from '../shared/listener-limits.js';
import { pickMessages, type Messages } from './messages.js';
import { PAGE_CSP, renderPage, type PartnerView } from './page.js';
import { subscriberHistory } from './subscriber-records.js';
import { issueToken, sameOrigin, tokenValid } from './csrf.js';
import { TransparencyMetrics } from './metrics.js';
import { PageHosts } from './page-hosts.js';
import type { Registry } from 'prom-client';

export interface TransparencyDeps {
  bindings: BindingStore;
  consents: ConsentStore;
  audit: {
    store: AuditStore;
    /** The audit's keyed reference (HMAC): records are looked up by it, CSRF tokens MACed with it. */
    key: { reference(input: string): string };
    recordEvent(e: AuditEvent): Promise<boolean>;
  };
  policy(): CompiledPolicy;
  operator: string;
  /** hedge's own Via token: a request that carries it came through the proxy, not from the phone. */
  viaToken: string;
  /** transparency.host, the page's public name: besides IP literals and loopback names, the only Host it answers to (page-hosts.ts). */
  host?: string | undefined;
  log: Logger;
  registry: Registry;
  rateLimit?: { limit: number; windowMs: number };
  /** Timeouts and connection caps of the listener (transparency.limits). */
  limits: ListenerLimits;
}

const MAX_FORM_BYTES = 4096;

export class TransparencyServer {
  readonly server: http.Server;
  private readonly limiter: RateLimiter;
  private readonly metrics: TransparencyMetrics;
  private readonly hosts: PageHosts;

  constructor(private readonly d: TransparencyDeps) {
    this.hosts = new PageHosts(d.host);
    this.limiter = new RateLimiter(d.rateLimit ?? { limit: 60, windowMs: 60_000 });
    this.metrics = new TransparencyMetrics(d.registry);
    this.server = http.createServer({ maxHeaderSize: 16 * 1024, ...timeoutOptions(d.limits) }, (req, res) => {
      if (this.cameThroughProxy(req)) {
        this.metrics.request('refused');
        return this.plain(res, 403, 'this page identifies you by your connection: open it directly, not through a proxy');
      }
      this.serve(req, res, unmapIPv4(req.socket.remoteAddress ?? ''));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // Answered with its code, closed after the linger and counted by its reason (shared/parser-refusal.ts);
      // a client that reset or left is not counted.
      const refusal = answerParserRefusal(err, socket);
      if (refusal) this.metrics.request(refusal);
    });
    // "100 Continue" only once the consent form is read, after the checks before it (shared/expect.ts).
    handleExpect(this.server, (_req, res) => {
      this.metrics.request('expectation');
      refuseExpectation(res);
    });
    // It runs in the gateway's process: every connection it holds is a descriptor the proxy does not have.
    boundListener(this.server, d.limits, (reason) => this.metrics.connectionRefused(reason));
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const a = await listenOn(this.server, host, port, (err) => this.d.log.error('transparency listener error; still serving', { code: err.code }));
    this.d.log.info('transparency page started', { listen: `${a.address}:${a.port}` });
    return a;
  }

  close(): Promise<void> {
    this.limiter.close();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * Answers one request for the phone at `address`: the peer of a direct
   * connection, or the phone's address handed over in-process by hedge's own
   * proxy (proxy/internal-destinations.ts) — never an address from a header.
   */
  serve(req: http.IncomingMessage, res: http.ServerResponse, address: string): void {
    this.handle(req, res, address).catch((err: unknown) => {
      this.d.log.error('transparency request failed', { error: (err as Error)?.name, code: (err as { code?: string })?.code });
      if (!res.headersSent) this.plain(res, 500, 'internal error');
      else res.destroy();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, address: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://transparency.invalid');
    } catch {
      // Node's parser passes an absolute-form target the URL parser refuses (`GET http://[::1/x`): a bad request, not an internal error.
      this.metrics.request('malformed');
      res.shouldKeepAlive = false;
      return this.plain(res, 400, 'bad request target');
    }
    // A DNS-rebinding site's name: its script would read this subscriber's page and post its form (page-hosts.ts).
    if (!this.hosts.allows(req)) {
      this.metrics.request('wrong_host');
      return this.plain(res, 421, 'misdirected: this page answers only to its own name (transparency.host), an IP address or localhost');
    }
    const wait = this.limiter.take(address);
    if (wait > 0) {
      this.metrics.request('rate_limited');
      res.setHeader('retry-after', String(Math.ceil(wait)));
      return this.plain(res, 429, 'too many requests; try again in a minute');
    }
    if (url.pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) return this.page(req, res, address, url);
    if (url.pathname === '/consent' && req.method === 'POST') return this.consent(req, res, address);
    if (url.pathname === '/' || url.pathname === '/consent') {
      res.setHeader('allow', url.pathname === '/' ? 'GET, HEAD' : 'POST');
      return this.plain(res, 405, 'method not allowed');
    }
    return this.plain(res, 404, 'not found');
  }

  private cameThroughProxy(req: http.IncomingMessage): boolean {
    const via = req.headers.via;
    return via !== undefined && via.split(',').some((v) => v.trim().split(/\s+/)[1] === this.d.viaToken);
  }

  /** The subscriber behind this connection; undefined when unbound or the store cannot answer (fail closed). */
  private async who(address: string): Promise<Subscriber | undefined> {
    try {
      return (await this.d.bindings.lookup(address)) ?? undefined;
    } catch {
      this.metrics.request('store_unavailable');
      return undefined;
    }
  }

  private async page(req: http.IncomingMessage, res: http.ServerResponse, address: string, url: URL): Promise<void> {
    const m = pickMessages(req.headers['accept-language'], url.searchParams.get('lang'));
    const sub = await this.who(address);
    if (!sub) {
      this.metrics.request('unknown');
      // Nobody's choice to confirm: only the failure notice, which claims nothing.
      const flash = url.searchParams.get('done') === 'failed' ? { ok: false, text: m.failed } : undefined;
      return this.html(res, req, renderPage({ m, operator: this.d.operator, masked: null, partners: [], truncated: false, flash }));
    }
    // A recycled number: only the current holder's records (from the reassignment the operator recorded on).
    const since = await this.holderSince(sub);
    if (since === false) return this.html(res, req, renderPage({ m, operator: this.d.operator, masked: null, partners: [], truncated: false }));
    const ref = this.d.audit.key.reference(sub.msisdn);
    const [history, withdrawn] = await Promise.all([subscriberHistory(this.d.audit.store, ref, { since }), this.withdrawn(sub)]);
    const policy = this.d.policy();
    const partners: PartnerView[] = policy.partners.map((p) => {
      const h = history.partners.get(p.id);
      return {
        id: p.id,
        name: p.name,
        purpose: p.purpose,
        legalBasis: p.legalBasis,
        receives: p.grants.map((g) => [g.attribute, g.form] as [string, string]),
        disclosures: h?.disclosures ?? 0,
        first: h?.first,
        last: h?.last,
        withdrawn: withdrawn.has(p.id) || byOperator(sub, p.id),
        byOperator: byOperator(sub, p.id),
        current: true,
      };
    });
    // Partners that received something but are no longer in the policy still belong in the record.
    for (const h of history.partners.values())
      if (!policy.partners.some((p) => p.id === h.partner))
        partners.push({
          id: h.partner,
          name: h.partner,
          purpose: '—',
          legalBasis: 'consent',
          receives: h.items.map((i) => i.split('/') as [string, string]),
          disclosures: h.disclosures,
          first: h.first,
          last: h.last,
          withdrawn: false,
          byOperator: false,
          current: false,
        });
    this.metrics.request('recognised');
    const flash = this.flash(m, url, partners);
    this.html(
      res,
      req,
      renderPage({
        m,
        operator: this.d.operator,
        masked: maskIdentifier(sub.msisdn),
        partners,
        truncated: history.truncated,
        since: since === undefined ? undefined : new Date(since).toISOString(),
        token: issueToken(this.d.audit.key, ref),
        flash,
      }),
    );
  }

  /** When this holder got the number; false when the store cannot say (fail closed: no records rather than someone else's). */
  private async holderSince(sub: Subscriber): Promise<number | undefined | false> {
    try {
      return await this.d.consents.holderSince(sub.msisdn);
    } catch {
      this.metrics.request('store_unavailable');
      return false;
    }
  }

  private async withdrawn(sub: Subscriber): Promise<ReadonlySet<string>> {
    return this.d.consents.withdrawn(sub.msisdn);
  }

  /**
   * The notice after a consent choice (the 303 from /consent carries ?done=).
   * A bare link can carry it too, from any site, so "saved" is shown only when
   * the visitor's stored choice for that partner is the one it names: a link
   * can then repeat what is true, never announce a change that did not happen.
   */
  private flash(m: Messages, url: URL, partners: readonly PartnerView[]): { ok: boolean; text: string } | undefined {
    const done = url.searchParams.get('done');
    if (done === 'failed') return { ok: false, text: m.failed };
    const pm = done ? /^(given|withdrawn):([a-z0-9][a-z0-9_-]{0,62})$/.exec(done) : null;
    if (!pm) return undefined;
    const given = pm[1] === 'given';
    const partner = partners.find((p) => p.id === pm[2] && p.current);
    return partner && partner.withdrawn === !given ? { ok: true, text: m.done(given, partner.name) } : undefined;
  }

  private async consent(req: http.IncomingMessage, res: http.ServerResponse, address: string): Promise<void> {
    if (!sameOrigin(req)) {
      this.metrics.consent('refused_cross_site');
      return this.plain(res, 403, 'refused: this form can only be sent from this page');
    }
    const form = await readForm(req);
    if (!form) return this.plain(res, 400, 'expected a small application/x-www-form-urlencoded form');
    const lang = pickMessages(undefined, form.get('lang')).lang;
    const sub = await this.who(address);
    if (!sub) {
      this.metrics.consent('unknown_subscriber');
      return this.plain(res, 403, 'we cannot tell who you are on this connection, so nothing was changed');
    }
    const ref = this.d.audit.key.reference(sub.msisdn);
    if (!tokenValid(this.d.audit.key, ref, form.get('token') ?? '')) {
      this.metrics.consent('refused_token');
      return this.plain(res, 403, 'refused: the form has expired or did not come from this page; reload the page and try again');
    }
    const partner = this.d.policy().partners.find((p) => p.id === form.get('partner'));
    const choice = form.get('choice');
    if (!partner || (choice !== 'give' && choice !== 'withdraw')) return this.plain(res, 400, 'unknown partner or choice');
    const given = choice === 'give';
    if (given && byOperator(sub, partner.id)) {
      // The binding's optOut stops this partner whatever is chosen here: a "given" on the record would be a consent that never applies.
      this.metrics.consent('refused_operator_opt_out');
      return this.plain(res, 409, 'your operator has opted you out of this partner, not this page; nothing was changed: contact your operator to change it');
    }
    const event: AuditEvent = {
      type: 'consent',
      partner: partner.id,
      subscriber: sub,
      detail: { choice: given ? 'given' : 'withdrawn', legalBasis: partner.legalBasis, channel: 'transparency-page' },
    };
    let ok: boolean;
    try {
      if (given) {
        // A store that cannot answer now (the memory store before its choices are read back from the audit) takes no
        // consent: recorded first and then refused by the store, it would apply at the next replay though the page said it failed.
        await this.d.consents.withdrawn(sub.msisdn);
        // Giving consent widens disclosure: only once the choice is on the record.
        ok = await this.d.audit.recordEvent(event);
        if (ok) await this.d.consents.set(sub.msisdn, partner.id, true);
      } else {
        // Withdrawing narrows it: applied at once, then recorded.
        await this.d.consents.set(sub.msisdn, partner.id, false);
        ok = true;
        if (!(await this.d.audit.recordEvent(event))) this.d.log.warn('consent withdrawal applied but not recorded in the audit', { partner: partner.id });
      }
    } catch (err) {
      this.d.log.error('consent choice not stored', { partner: partner.id, code: (err as { code?: string })?.code });
      ok = false;
    }
    this.metrics.consent(ok ? (given ? 'given' : 'withdrawn') : 'failed');
    res.writeHead(303, {
      location: `/?lang=${lang}&done=${ok ? `${given ? 'given' : 'withdrawn'}:${partner.id}` : 'failed'}`,
      'cache-control': 'no-store',
      'content-length': 0,
      ...SECURITY_HEADERS,
    });
    res.end();
  }

  private html(res: http.ServerResponse, req: http.IncomingMessage, body: string): void {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'content-security-policy': PAGE_CSP,
      'cache-control': 'no-store',
      vary: 'Accept-Language',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private plain(res: http.ServerResponse, status: number, text: string): void {
    const body = `${text}\n`;
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      ...SECURITY_HEADERS,
    });
    res.end(body);
  }
}

/** The operator's records (the binding's optOut) stop this partner for this subscriber. */
function byOperator(sub: Subscriber, partnerId: string): boolean {
  return sub.optOut?.includes(partnerId) ?? false;
}

const SECURITY_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM_BYTES) {
      req.destroy();
      return undefined;
    }
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
