// The admin API: its own listener, loopback by default, bearer token required
// whenever it listens anywhere else. Serves health, the policy in force,
// bindings and Prometheus metrics. Browsers cannot drive it, token or not
// (Host, Origin, Sec-Fetch-Site and Content-Type checks: browser-guard.ts).
// Like every listener it bounds how long a client may take to send a request
// and how many connections it holds (admin.limits), and counts what it refuses.
import http from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { BindingStore } from '../identity/store.js';
import { parseBindingKey } from '../shared/binding-key.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Metrics } from '../shared/metrics.js';
import type { Logger } from '../shared/log.js';
import { normalizeSubscriber } from '../subscriber/normalize.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { readJson, refuseBody, sendError, sendJson, viaCarries } from '../shared/http.js';
import { maskIdentifier } from '../shared/mask.js';
import { adminExposureProblem } from '../config/admin-exposure.js';
import { listenOn } from '../shared/listen.js';
import { boundListener, timeoutOptions, type ListenerLimits } from '../shared/listener-limits.js';
import { splitTarget, type AccessLog } from '../shared/access-log.js';
import { AdminBrowserGuard } from './browser-guard.js';
import { adminAccessPath } from './access-path.js';
import { AdminMetrics } from './metrics.js';
import { answerParserRefusal } from '../shared/parser-refusal.js';
import { handleExpect, refuseExpectation } from '../shared/expect.js';

export interface AdminDeps {
  token: string | undefined;
  /** proxy.via: a request carrying it came through this gateway's proxy, and the admin API is not for proxied clients. */
  viaToken?: string;
  country: string;
  bindings: BindingStore;
  policy(): CompiledPolicy;
  metrics: Metrics;
  log: Logger;
  startedAt: number;
  /** Static bindings configured and found missing at the last check (written back at once). */
  staticBindings?: () => { configured: number; missing: number };
  /** admin.accessLog (off unless configured). */
  accessLog?: AccessLog | undefined;
  /** admin.hostnames: names (or addresses) the admin API answers to besides its own addresses, loopback and localhost. */
  hostnames?: readonly string[];
  /** admin.limits: timeouts and connection caps of the listener. */
  limits: ListenerLimits;
}

/** A route handler; returns true when it handled the request. */
export type AdminRoute = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean | Promise<boolean>;

export class AdminServer {
  readonly server: http.Server;
  private readonly routes: AdminRoute[] = [];
  private readonly publicRoutes: AdminRoute[] = [];
  private readonly guard: AdminBrowserGuard;
  private readonly metrics: AdminMetrics;

  constructor(private readonly deps: AdminDeps) {
    this.guard = new AdminBrowserGuard(deps.hostnames);
    this.metrics = new AdminMetrics(deps.metrics.registry);
    this.server = http.createServer(timeoutOptions(deps.limits));
    deps.accessLog?.attach(this.server);
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.once('finish', () => this.metrics.answered(res.statusCode));
      // Paths name subscribers (/bindings/<address>): the access log gets the route's name, never the value.
      if (deps.accessLog?.enabled) deps.accessLog.note(res, { path: adminAccessPath(splitTarget(req).path) });
      this.handle(req, res).catch((err) => {
        deps.log.error('admin request failed', { error: (err as Error).name, code: (err as { code?: string }).code });
        if (res.headersSent) res.destroy();
        else if (err instanceof HedgeError && err.code === ErrorCodes.BINDING_STORE_UNAVAILABLE) sendError(res, 503, err.code, 'the binding store is unavailable');
        else sendError(res, 500, ErrorCodes.INTERNAL, 'internal error');
      });
    });
    // "100 Continue" only once a handler reads the body: after the token, the browser guard and the route (shared/expect.ts).
    handleExpect(this.server, (_req, res) => {
      this.metrics.refused('expectation');
      refuseExpectation(res);
    });
    // It runs in the gateway's process: every connection it holds is a descriptor the proxy does not have.
    boundListener(this.server, deps.limits, (reason) => this.metrics.connectionRefused(reason));
  }

  /** A request the parser refused, or a client that did not send one in time: answered, closed and counted (shared/parser-refusal.ts). */
  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const refusal = answerParserRefusal(err, socket);
    if (refusal) this.metrics.refused(refusal);
  }

  /** Other parts of hedge (canary, audit, keys) add their read-only endpoints here. */
  addRoute(route: AdminRoute): void {
    this.routes.push(route);
  }

  /** Endpoints that serve public information (the JWKS) without the bearer token. */
  addPublicRoute(route: AdminRoute): void {
    this.publicRoutes.push(route);
  }

  /** Refuses (before binding) an address beyond loopback without a token, whatever chose the address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    const problem = adminExposureProblem(host, this.deps.token);
    if (problem) return Promise.reject(new HedgeError(ErrorCodes.ADMIN_EXPOSED, `admin listen address ${host.includes(':') ? `[${host}]` : host}:${port}: ${problem}`));
    this.guard.boundTo(host);
    return listenOn(this.server, host, port, (err) => this.deps.log.error('admin listener error; still serving', { code: err.code }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private authorized(req: http.IncomingMessage): boolean {
    const token = this.deps.token;
    if (token === undefined) return true;
    const h = req.headers.authorization ?? '';
    const given = h.startsWith('Bearer ') ? h.slice(7) : '';
    const a = createHash('sha256').update(given).digest();
    const b = createHash('sha256').update(token).digest();
    return timingSafeEqual(a, b);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin');
    } catch {
      return sendError(res, 400, ErrorCodes.BAD_REQUEST_TARGET, 'not a usable request target');
    }
    const path = url.pathname;
    // Second lock behind the destination policy: whatever reached us through our own proxy is refused, public routes included.
    if (this.deps.viaToken !== undefined && viaCarries(req.headers.via, this.deps.viaToken)) {
      this.deps.log.warn('admin request through the proxy refused', { code: ErrorCodes.REACHED_THROUGH_PROXY });
      return sendError(res, 403, ErrorCodes.REACHED_THROUGH_PROXY, 'the admin API is not reachable through the proxy');
    }
    // No browser drives the admin API: a rebinding page's Host, a cross-site request, a body not declared JSON.
    const refusal = this.guard.refusal(req);
    if (refusal) {
      this.deps.log.warn('admin request refused', { code: refusal.code });
      return sendError(res, refusal.status, refusal.code, refusal.message);
    }
    for (const route of this.publicRoutes) if (await route(req, res, url)) return;
    if (!this.authorized(req)) return sendError(res, 401, ErrorCodes.ADMIN_UNAUTHORIZED, 'a valid bearer token is required');
    const d = this.deps;
    if (req.method === 'GET' && (path === '/health' || path === '/healthz')) {
      const policy = d.policy();
      return sendJson(res, 200, {
        status: 'ok',
        policyVersion: policy.version,
        bindings: await Promise.resolve(d.bindings.size()).catch(() => null),
        bindingStore: d.bindings.kind,
        staticBindings: d.staticBindings?.(),
        uptimeSeconds: Math.round((Date.now() - d.startedAt) / 1000),
      });
    }
    if (req.method === 'GET' && path === '/metrics') {
      const text = await d.metrics.text();
      res.writeHead(200, { 'content-type': d.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && path === '/policy') return sendJson(res, 200, describePolicy(d.policy()));
    if (path === '/bindings' && req.method === 'GET') {
      const list = await d.bindings.list();
      return sendJson(res, 200, {
        count: list.length,
        bindings: list.map((b) => ({ ip: b.ip, msisdn: maskIdentifier(b.subscriber.msisdn), source: b.subscriber.source, expiresAt: isoTime(b.expiresAt) })),
      });
    }
    if (path.startsWith('/bindings/')) {
      // An IPv4 address, an IPv6 address or an IPv6 prefix ("2001:db8:1:2::/64", the slash raw or as %2F).
      const raw = decodedSegment(path.slice('/bindings/'.length));
      const parsed = raw === undefined ? 'undecodable' : parseBindingKey(raw, { strict: true });
      if (raw === undefined || typeof parsed === 'string') return sendError(res, 400, ErrorCodes.BINDING_INVALID, 'not an IP address or IPv6 prefix (host bits must be zero)');
      const ip = parsed.key;
      if (req.method === 'GET') {
        // A single IPv6 address shows the binding of the prefix that holds it.
        const b = parsed.family === 6 && !raw.includes('/') ? await d.bindings.find(raw) : await d.bindings.get(ip);
        if (!b) return sendError(res, 404, ErrorCodes.NOT_FOUND, 'no binding for this address');
        return sendJson(res, 200, { ip: b.ip, ...b.subscriber, expiresAt: isoTime(b.expiresAt) });
      }
      if (req.method === 'PUT') {
        let body: unknown;
        try {
          body = await readJson(req);
        } catch (err) {
          return refuseBody(res, err, ErrorCodes.BINDING_INVALID);
        }
        let ttl: number | undefined;
        try {
          const input = (body ?? {}) as Record<string, unknown>;
          if (input.ttlSeconds !== undefined && (typeof input.ttlSeconds !== 'number' || !(input.ttlSeconds > 0 && input.ttlSeconds <= MAX_BINDING_TTL_SECONDS)))
            throw new HedgeError(ErrorCodes.BINDING_INVALID, `ttlSeconds must be a number of seconds from 1 to ${MAX_BINDING_TTL_SECONDS} (one year)`);
          ttl = input.ttlSeconds as number | undefined;
          const sub = normalizeSubscriber(input as never, d.country, 'admin');
          await d.bindings.set({ ip, subscriber: sub, expiresAt: ttl ? Date.now() + ttl * 1000 : undefined });
        } catch (err) {
          if (err instanceof HedgeError) return sendError(res, err.code === ErrorCodes.BINDING_STORE_UNAVAILABLE ? 503 : 400, err.code, err.message);
          throw err;
        }
        d.log.info('binding set', { source: 'admin' });
        return sendJson(res, 201, { ip, stored: true });
      }
      if (req.method === 'DELETE') {
        const removed = await d.bindings.remove(ip);
        if (!removed) return sendError(res, 404, ErrorCodes.NOT_FOUND, 'no binding for this address');
        d.log.info('binding removed', { source: 'admin' });
        res.writeHead(204).end();
        return;
      }
      return sendError(res, 405, ErrorCodes.METHOD, 'use GET, PUT or DELETE', { allow: 'GET, PUT, DELETE' });
    }
    for (const route of this.routes) if (await route(req, res, url)) return;
    sendError(res, 404, ErrorCodes.NOT_FOUND, 'no such endpoint');
  }
}

/** The longest lifetime a binding set through the admin API may have: one year (a session is refreshed long before). */
export const MAX_BINDING_TTL_SECONDS = 365 * 24 * 3600;

/** A time for an answer; a stored value no Date can hold is left out rather than failing the whole answer. */
function isoTime(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A percent-decoded path segment, or undefined when its encoding is broken ("%", "%zz"). */
function decodedSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function describePolicy(p: CompiledPolicy) {
  return {
    version: p.version,
    file: p.file,
    partners: p.partners.map((x) => ({
      id: x.id,
      name: x.name,
      purpose: x.purpose,
      hosts: x.hosts.map((h) => h.text),
      tls: x.tls,
      signature: x.signature,
      until: x.until !== undefined ? new Date(x.until).toISOString() : undefined,
      grants: x.grants.map((g) => ({ attribute: g.attribute, form: g.form, format: g.format, header: g.header, ...(g.cleartextAllowed ? { cleartext: 'allowed' } : {}) })),
    })),
  };
}
