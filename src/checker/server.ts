// The leak-check site: answers every visitor with what their connection told
// it. Plain HTTP (phones on mobile data, where operators add headers) and
// HTTPS, each optional. Behind a reverse proxy it believes X-Forwarded-For
// only from configured trusted proxies. Rate limited per client address;
// connections bounded in time and number, in total and per client
// (shared/listener-limits.ts), the TLS handshake as well as the request head;
// every refusal counted (metrics.ts).
// Stores nothing about visitors; logs paths, status and verdicts, never a
// header value or an address.
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../shared/log.js';
import { sendError, sendJson } from '../shared/http.js';
import { ErrorCodes } from '../shared/errors.js';
import { TrustedProxies, clientAddress } from './client-address.js';
import { RateLimiter } from './rate-limit.js';
import { buildReport, type CheckReport } from './report.js';
import { renderPage } from './page.js';
import { canonicalHeaderName } from '../detect/header-catalogue.js';
import { listenOn } from '../shared/listen.js';
import { boundListener, timeoutOptions, type ListenerLimits } from '../shared/listener-limits.js';
import { answerParserRefusal } from '../shared/parser-refusal.js';
import { handleExpect, refuseExpectation } from '../shared/expect.js';
import { CheckerMetrics } from './metrics.js';
import { Registry } from 'prom-client';

export interface CheckerOptions {
  /** Plain-HTTP listener ("host:port" parsed by the caller). */
  http?: { host: string; port: number };
  /** HTTPS listener with PEM certificate chain and key. */
  https?: { host: string; port: number; cert: string | Buffer; key: string | Buffer };
  /** Addresses / CIDR blocks of reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies?: readonly string[];
  /** Requests per client address per window; default 60 per minute. */
  rateLimit?: { limit: number; windowMs: number };
  /** Link offered to HTTPS visitors: the same checker over plain HTTP. */
  plainUrl?: string;
  /** ISO country whose national-format numbers count as phone numbers (the operator's own). */
  country?: string;
  /** Timeouts and connection caps of each listener; each field defaults to DEFAULT_CHECKER_LIMITS'. */
  limits?: Partial<ListenerLimits>;
  /** Where the checker's counters go (connections and requests refused, metrics.ts); default a registry of its own. */
  registry?: Registry;
  log: Logger;
}

/**
 * A public site: a connection that sends nothing is closed after 15 s, and one
 * client (an IPv4 address, an IPv6 /64) holds at most 32 connections — a
 * carrier-grade NAT puts many phones behind one IPv4 address, and a browser
 * opens up to six per site. A trusted reverse proxy is bound by the total only.
 */
export const DEFAULT_CHECKER_LIMITS: ListenerLimits = { headersTimeoutMs: 10_000, idleTimeoutMs: 15_000, maxConnections: 1024, maxConnectionsPerAddress: 32 };

export interface RunningChecker {
  httpAddress?: AddressInfo;
  httpsAddress?: AddressInfo;
  httpUrl?: string;
  httpsUrl?: string;
  close(): Promise<void>;
}

/** Headers a trusted reverse proxy sets about its own hop: not the visitor's, not shown. */
const PROXY_OWN = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip']);

export class CheckerServer {
  private readonly trusted: TrustedProxies;
  private readonly limiter: RateLimiter;
  private readonly servers: http.Server[] = [];
  private readonly limits: ListenerLimits;
  private readonly metrics: CheckerMetrics;
  readonly registry: Registry;

  constructor(private readonly opts: CheckerOptions) {
    this.trusted = new TrustedProxies(opts.trustedProxies ?? []);
    this.limiter = new RateLimiter(opts.rateLimit ?? { limit: 60, windowMs: 60_000 });
    this.limits = { ...DEFAULT_CHECKER_LIMITS };
    for (const [k, v] of Object.entries(opts.limits ?? {}) as [keyof ListenerLimits, number | undefined][]) if (v !== undefined) this.limits[k] = v;
    this.registry = opts.registry ?? new Registry();
    this.metrics = new CheckerMetrics(this.registry);
  }

  /** The request handler (exported for embedding behind another server). */
  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    try {
      this.route(req, res);
    } catch (err) {
      this.opts.log.error('checker request failed', { error: (err as Error).name });
      if (!res.headersSent) sendError(res, 500, ErrorCodes.INTERNAL, 'internal error');
      else res.destroy();
    }
  };

  async listen(): Promise<RunningChecker> {
    const out: RunningChecker = { close: () => this.close() };
    try {
      if (this.opts.http) {
        const s = http.createServer({ maxHeaderSize: 32 * 1024, ...timeoutOptions(this.limits) }, this.handle);
        out.httpAddress = await this.start(s, this.opts.http.host, this.opts.http.port);
        out.httpUrl = url('http', out.httpAddress);
      }
      if (this.opts.https) {
        // The handshake is bounded like the request head: Node's default (120 s) is past every limit the listener sets.
        const s = https.createServer(
          { cert: this.opts.https.cert, key: this.opts.https.key, maxHeaderSize: 32 * 1024, handshakeTimeout: this.limits.headersTimeoutMs, ...timeoutOptions(this.limits) },
          this.handle,
        );
        // https.Server passes a failed handshake on as a clientError (whose answer would be HTTP on a TLS connection that never was).
        s.removeAllListeners('tlsClientError');
        s.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => this.tlsClientError(err, socket));
        out.httpsAddress = await this.start(s, this.opts.https.host, this.opts.https.port);
        out.httpsUrl = url('https', out.httpsAddress);
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    if (!out.httpAddress && !out.httpsAddress) throw new Error('the checker needs an HTTP or an HTTPS listener');
    this.opts.log.info('checker started', { http: out.httpUrl, https: out.httpsUrl, trustedProxies: this.trusted.size });
    return out;
  }

  async close(): Promise<void> {
    this.limiter.close();
    await Promise.all(
      this.servers.splice(0).map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private start(s: http.Server, host: string, port: number): Promise<AddressInfo> {
    s.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      const refusal = answerParserRefusal(err, socket);
      if (refusal) this.metrics.refused(refusal);
    });
    // The checker reads no body; a request expecting 100-continue is answered without one (shared/expect.ts).
    handleExpect(s, (_req, res) => {
      this.metrics.refused('expectation');
      refuseExpectation(res);
    });
    // Each listener its own caps; a trusted reverse proxy carries many visitors on its connections.
    boundListener(
      s,
      this.limits,
      (reason) => this.metrics.connectionRefused(reason),
      (address) => this.trusted.has(address),
    );
    this.servers.push(s);
    return listenOn(s, host, port, (err) => this.opts.log.error('checker listener error; still serving', { code: err.code }));
  }

  /** A TLS handshake that failed: closed, and counted unless the client reset or left (no one to refuse). */
  private tlsClientError(err: NodeJS.ErrnoException, socket: TLSSocket): void {
    socket.destroy();
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
    this.metrics.refused(err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'timeout' : 'tls_handshake');
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const query = (req.url ?? '').includes('?') ? new URLSearchParams((req.url ?? '').slice((req.url ?? '').indexOf('?') + 1)) : undefined;
    const who = clientAddress(req.socket.remoteAddress ?? '', headerValues(req.rawHeaders, 'x-forwarded-for'), this.trusted);
    const wait = this.limiter.take(who.address);
    const done = (status: number, verdict?: string) => this.opts.log.debug('checker request', { method: req.method, path, status, verdict });
    if (wait > 0) {
      this.metrics.refused('rate_limited');
      sendError(res, 429, ErrorCodes.RATE_LIMITED, `too many requests; try again in ${wait} s`, { 'retry-after': String(wait) });
      return done(429);
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return done(200);
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, { 'cache-control': 'public, max-age=86400' }).end();
      return done(204);
    }
    if (path !== '/' && path !== '/api/check') {
      sendError(res, 404, ErrorCodes.NOT_FOUND, 'the check is at / (page) and /api/check (JSON)');
      return done(404);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, ErrorCodes.METHOD_NOT_ALLOWED, 'use GET', { allow: 'GET, HEAD' });
      return done(405);
    }
    // The request body, if any, is not read: drain it so the connection stays usable.
    req.resume();
    const encrypted = Boolean((req.socket as TLSSocket).encrypted);
    const forwardedProto = who.viaTrustedProxy ? headerValues(req.rawHeaders, 'x-forwarded-proto')[0]?.trim().toLowerCase() : undefined;
    const secure = forwardedProto ? forwardedProto === 'https' : encrypted;
    const report = buildReport(visitorHeaders(req.rawHeaders, who.viaTrustedProxy ? who.trustedHops : 0), secure, { country: this.opts.country });
    if (path === '/api/check') {
      sendJson(res, 200, toJson(report, query?.get('reveal') === '1' || query?.get('reveal') === 'true'), SECURITY_HEADERS);
    } else {
      const nonce = randomBytes(16).toString('base64');
      const body = renderPage(report, nonce, { plainUrl: this.opts.plainUrl });
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    }
    done(200, report.verdict);
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Deliberately no Access-Control-Allow-Origin: another site's script must never read a visitor's report.
};

/** The JSON form of a report: masked values only, unless the caller asks for its own values back. */
export function toJson(r: CheckReport, reveal: boolean): unknown {
  return {
    verdict: r.verdict,
    title: r.title,
    summary: r.summary,
    advice: r.advice,
    colour: r.colour,
    secure: r.secure,
    headers: r.headers.map(({ value, ...h }) => (reveal ? { ...h, value } : h)),
  };
}

function headerValues(raw: readonly string[], canonical: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (canonicalHeaderName(raw[i]!) === canonical) out.push(raw[i + 1]!);
  return out;
}

/**
 * The headers as the visitor's side sent them: when a trusted reverse proxy
 * forwarded the request, its own hop headers are dropped and the
 * X-Forwarded-For entries it (and further trusted hops) appended are removed.
 */
export function visitorHeaders(raw: readonly string[], trustedHops: number): string[] {
  if (trustedHops === 0) return [...raw];
  const xffIdx: number[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (canonicalHeaderName(raw[i]!) === 'x-forwarded-for') xffIdx.push(i);
  const entries = xffIdx.flatMap((i) =>
    raw[i + 1]!.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const kept = entries.slice(0, Math.max(0, entries.length - trustedHops));
  const out: string[] = [];
  let xffDone = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const c = canonicalHeaderName(raw[i]!);
    if (PROXY_OWN.has(c)) continue;
    if (c === 'x-forwarded-for') {
      if (!xffDone && kept.length > 0) out.push(raw[i]!, kept.join(', '));
      xffDone = true;
      continue;
    }
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

function url(scheme: string, a: AddressInfo): string {
  return `${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
