// The front door: hedge's HTTPS authorisation server (OIDC with network-based
// authentication) and the CAMARA Number Verification and KYC Age Verification
// APIs. Built from the compiled policy in force (read per request, so a reload
// applies at once), the binding store and the audit; routes are small files.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { CompiledPolicy } from '../policy/compile.js';
import type { BindingStore } from '../identity/store.js';
import type { ConsentLookup } from '../pipeline/stages/consent.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../shared/log.js';
import type { FrontDoorConfig } from '../config/schema.js';
import type { Target } from '../pipeline/flow.js';
import type { Duplex } from 'node:stream';
import { FrontDoorListener } from './listener.js';
import { FrontDoorMetrics } from './metrics.js';
import { Identifier } from './identify.js';
import { Discloser } from './disclose.js';
import { SingleUseStore } from './single-use-store.js';
import { ClientAuthenticator } from './client-auth.js';
import { DpopVerifier } from './dpop.js';
import { RequestObjectVerifier } from './request-object.js';
import { endpoints, providerMetadata, type Endpoints } from './discovery.js';
import type { FrontDoorContext } from './context.js';
import { opaqueSecret, type AccessGrant, type CodeGrant, type UsedCode } from './grants.js';
import { clientKey } from '../shared/address.js';
import { handleAuthorize } from './authorize.js';
import { handleToken } from './token.js';
import { sendJson } from './http.js';
import { handleDevicePhoneNumber, handleVerify, NUMBER_VERIFICATION_BASE } from './camara/number-verification.js';
import { AGE_VERIFICATION_BASE, handleAgeVerify } from './camara/age-verification.js';
import { CamaraErrors, sendError } from './camara/errors.js';

export interface FrontDoorOptions {
  config: FrontDoorConfig;
  tls: { cert: Buffer; key: Buffer };
  policy(): CompiledPolicy;
  bindings: BindingStore;
  /** Subscribers' consent withdrawals and objections (the transparency page's), checked at authorisation and again before every answer. */
  consents?: ConsentLookup | undefined;
  /** A binding lookup failed: counted and alerted like the proxy's. */
  onBindingStoreError(err: unknown): void;
  audit: AuditLog | undefined;
  registry: Registry;
  log: Logger;
  nodeId: string;
}

/** A client's share of each store: frontDoor.limits.maxPendingPerClient, by default a tenth of maxPending. */
export function maxPendingPerClient(limits: FrontDoorConfig['limits']): number {
  return limits.maxPendingPerClient ?? Math.max(1, Math.floor(limits.maxPending / 10));
}

type Route = (ctx: FrontDoorContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL, clientAddress: string) => void | Promise<void>;

export class FrontDoor {
  private readonly listener: FrontDoorListener;
  private readonly ctx: FrontDoorContext;
  private readonly routes = new Map<string, Map<string, Route>>();
  private seq = 0;
  private ep: Endpoints | undefined;
  private issuerHost = { host: '127.0.0.1', port: 443 };

  constructor(private readonly o: FrontDoorOptions) {
    const metrics = new FrontDoorMetrics(o.registry);
    const hooks = { stageFailed: (stage: string) => o.log.error('front-door stage failed', { stage }) };
    const { maxPending: max, maxPendingCodesPerAddress } = o.config.limits;
    const perClient = maxPendingPerClient(o.config.limits);
    // Each client has its own share of every store (one partner, or phones opening one
    // partner's links, cannot fill the front door for the others); codes are also
    // counted per phone (an IPv4 address, an IPv6 /64, as the proxy's limits count them).
    const byClient = { name: 'client', max: perClient, keyOf: (g: { clientId: string }) => g.clientId };
    const prefix = `${o.nodeId}-fd-${randomBytes(2).toString('hex')}-`;
    this.ctx = {
      policy: o.policy,
      endpoints: undefined as unknown as Endpoints, // set by listen(): the issuer may depend on the port picked
      identifier: new Identifier(o.bindings, o.consents, o.onBindingStoreError, hooks),
      discloser: new Discloser(o.audit, o.consents, hooks, o.bindings),
      codes: new SingleUseStore<CodeGrant>(max, [byClient, { name: 'address', max: maxPendingCodesPerAddress, keyOf: (g) => clientKey(g.clientAddress) }]),
      usedCodes: new SingleUseStore<UsedCode>(max, [byClient]),
      tokens: new SingleUseStore<AccessGrant>(max, [byClient]),
      clientAuth: undefined as unknown as ClientAuthenticator, // set by listen(): the audience is the issuer identifier
      requestObjects: undefined as unknown as RequestObjectVerifier, // set by listen(): audiences are the issuer's endpoints
      dpop: new DpopVerifier(max),
      metrics,
      log: o.log,
      codeLifetimeMs: o.config.codeLifetimeSeconds * 1000,
      tokenLifetimeMs: o.config.tokenLifetimeSeconds * 1000,
      maxBodyBytes: o.config.limits.maxBodyBytes,
      nextId: () => `${prefix}${(++this.seq).toString(36)}`,
      target: (path: string): Target => ({ scheme: 'https', host: this.issuerHost.host, port: this.issuerHost.port, path }),
    };
    this.route('GET', '/.well-known/openid-configuration', (c, _q, res) => sendJson(res, 200, providerMetadata(c.endpoints), { 'cache-control': 'max-age=300' }));
    this.route('GET', '/.well-known/jwks.json', (c, _q, res) => sendJson(res, 200, c.policy().material?.idTokenJwks ?? { keys: [] }, { 'cache-control': 'max-age=300' }));
    this.route('GET', '/authorize', (c, req, res, url, addr) => handleAuthorize(c, req, res, url, addr));
    this.route('POST', '/authorize', (c, req, res, url, addr) => handleAuthorize(c, req, res, url, addr));
    this.route('POST', '/token', (c, req, res) => handleToken(c, req, res));
    this.route('POST', `${NUMBER_VERIFICATION_BASE}/verify`, (c, req, res) => handleVerify(c, req, res));
    this.route('GET', `${NUMBER_VERIFICATION_BASE}/device-phone-number`, (c, req, res) => handleDevicePhoneNumber(c, req, res));
    this.route('POST', `${AGE_VERIFICATION_BASE}/verify`, (c, req, res) => handleAgeVerify(c, req, res));
    this.listener = new FrontDoorListener({
      tls: o.tls,
      limits: o.config.limits,
      trustedProxies: o.config.trustedProxies,
      metrics,
      onRequest: (req, res, addr) => this.onRequest(req, res, addr),
    });
  }

  get endpoints(): Endpoints {
    if (!this.ep) throw new Error('the front door is not listening yet');
    return this.ep;
  }

  get metrics(): FrontDoorMetrics {
    return this.ctx.metrics;
  }

  private route(method: string, path: string, r: Route): void {
    let m = this.routes.get(path);
    if (!m) this.routes.set(path, (m = new Map()));
    m.set(method, r);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const a = await this.listener.listen(host, port);
    const issuer = this.o.config.issuer ?? `https://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    this.ep = endpoints(issuer);
    this.ctx.endpoints = this.ep;
    this.ctx.clientAuth = new ClientAuthenticator(this.ep.issuer, this.o.config.limits.maxPending, maxPendingPerClient(this.o.config.limits));
    const clientAuth = this.ctx.clientAuth;
    // The CAMARA profile recommends the authorisation endpoint as a request object's aud, and allows the issuer.
    this.ctx.requestObjects = new RequestObjectVerifier(
      [this.ep.authorization, this.ep.issuer],
      (client) => clientAuth.keySet(client),
      this.o.config.limits.maxPending,
      maxPendingPerClient(this.o.config.limits),
    );
    const u = new URL(issuer);
    this.issuerHost = { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 443 };
    return a;
  }

  /** host:port phones use for the front door (a CONNECT to it through hedge's proxy takes the internal hop). */
  get publicAuthority(): { host: string; port: number } {
    return this.issuerHost;
  }

  /**
   * Issues an access token in-process, without the authorisation flow: for
   * benchmarks that need many fresh tokens, and tests of grants the flow cannot
   * produce (another authentication method, a past expiry). No route reaches it.
   */
  mintAccessToken(grant: AccessGrant, expiresAt = Date.now() + this.ctx.tokenLifetimeMs): string {
    const token = opaqueSecret();
    if (!this.ctx.tokens.put(token, grant, expiresAt).ok) throw new Error('token store full');
    return token;
  }

  acceptInternal(socket: Duplex, clientAddress: string, head: Buffer): void {
    this.listener.acceptInternal(socket, clientAddress, head);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, clientAddress: string): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://front-door.invalid');
    } catch {
      return sendError(res, CamaraErrors.invalidArgument('bad request target'), undefined);
    }
    const byMethod = this.routes.get(url.pathname);
    if (!byMethod) {
      req.resume();
      return sendError(res, CamaraErrors.notFound(), undefined);
    }
    const r = byMethod.get(req.method ?? '');
    if (!r) {
      req.resume();
      // RFC 9110 §15.5.6: a 405 names the methods the resource does take.
      res.setHeader('allow', [...byMethod.keys()].join(', '));
      return sendError(res, CamaraErrors.methodNotAllowed(), undefined);
    }
    let p: void | Promise<void>;
    try {
      p = r(this.ctx, req, res, url, clientAddress);
    } catch (err) {
      return this.failed(res, err);
    }
    if (p instanceof Promise) p.catch((err: unknown) => this.failed(res, err));
  }

  private failed(res: http.ServerResponse, err: unknown): void {
    this.o.log.error('front-door request failed', { code: (err as { code?: string }).code, error: (err as Error).name });
    if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
    else res.destroy();
  }

  async close(): Promise<void> {
    await this.listener.close();
    this.ctx.codes.close();
    this.ctx.usedCodes.close();
    this.ctx.tokens.close();
    this.ctx.dpop.close();
    (this.ctx.clientAuth as ClientAuthenticator | undefined)?.close();
    (this.ctx.requestObjects as RequestObjectVerifier | undefined)?.close();
  }
}
