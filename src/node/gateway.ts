// Composes one gateway node: binding store, compiled policy and pipeline,
// upstream, proxy ingress and admin API. The CLI, the demo and the tests all
// start hedge through this one function.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { LoadedConfig } from '../config/load.js';
import { parseListen } from '../config/schema.js';
import { formatIssue } from '../shared/errors.js';
import { compilePolicy, type CompiledPolicy } from '../policy/compile.js';
import { buildPipeline, type Pipeline } from '../pipeline/index.js';
import { createBindingStore, isRedisBindingStore } from '../identity/create-store.js';
import { redisTlsMaterial } from '../identity/redis-tls.js';
import { StaticBindings, staticBindingsOf } from '../identity/static-bindings.js';
import type { BindingStore } from '../identity/store.js';
import { Metrics } from '../shared/metrics.js';
import { AdminServer } from '../admin/server.js';
import { jwksRoute, tokenResolveRoute } from '../admin/keys-routes.js';
import { scheduleExpiryWarnings } from '../policy/expiry.js';
import { registerExpiryMetrics } from '../policy/expiry-metrics.js';
import { Ingress } from '../proxy/ingress.js';
import { Upstream } from '../proxy/upstream.js';
import { Resolver } from '../proxy/resolve.js';
import { DestinationPolicy } from '../destination/policy.js';
import { createLogger, type Logger } from '../shared/log.js';
import { AccessLog } from '../shared/access-log.js';
import { logLevelRoutes } from '../admin/log-routes.js';
import { Readiness, probeRoutes } from '../admin/readiness.js';
import type { Alerts } from '../alerts/alerts.js';
import { alertsOf } from './alerts-of-config.js';
import { alertRoutes } from '../alerts/admin-routes.js';
import { ALERT_BINDING_STORE, BindingStoreHealth } from '../identity/store-health.js';
import type { RunningRadius } from '../identity/radius/start.js';
import { GuardHits } from '../pipeline/guard-hits.js';
import { Canary } from '../canary/canary.js';
import { EnrichmentSwitch } from '../canary/enrichment-switch.js';
import { canaryRoutes } from '../canary/admin-routes.js';
import { reloadRoutes } from './reload-routes.js';
import { PolicyReloader, type ReloadResult, type ReloadTrigger } from './reload.js';
import { watchPolicyFile } from './policy-watch.js';
import type { AuditRuntime } from '../audit/setup.js';
import { guardHitEvent } from '../audit/guard-events.js';
import { canaryEvent, reloadEvent } from './canary-reload-events.js';
import { createConsentStore } from '../identity/create-consent-store.js';
import { isMemoryConsentStore, type ConsentStore } from '../identity/consent.js';
import { replayConsentAtStart } from './consent-replay-start.js';
import type { TransparencyServer } from '../transparency/server.js';
import type { RunningFrontDoor } from '../frontdoor/start.js';
import { InternalDestinations } from '../proxy/internal-destinations.js';
import { OverloadGuard } from '../proxy/overload.js';
import { checkFileLimit } from '../proxy/fd-limit.js';

export interface GatewayOptions {
  /** Override proxy.listen / admin.listen ("host:port"; port 0 picks a free one). */
  proxyListen?: string;
  adminListen?: string;
  log?: Logger;
  /** Replace the binding store (tests, embedding). */
  bindings?: BindingStore;
  /** Ports CONNECT may reach; default 443 only. Empty set: any port. */
  connectPorts?: number[];
  /** TLS options for https origins (lab CA). */
  upstreamTls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  /**
   * --workers: reloads are the cluster's, run by the primary in every worker or in none (node/cluster-reload.ts).
   * `request` asks the primary for one (POST /policy/reload, SIGHUP, gateway.reload()) and resolves with the
   * cluster's result; `attach` lets the primary drive this node's reloader (prepare, commit). No file watch here.
   */
  clusterReload?: { request(trigger: ReloadTrigger): Promise<ReloadResult>; attach(reloader: PolicyReloader, log: Logger): void };
  /** Called with the policy as compiled at start, before anything listens; throws to refuse to start (a --workers replacement, node/cluster-worker.ts). */
  acceptPolicy?: (policy: CompiledPolicy) => void;
  /** Change the built pipeline: tests that prove a later lock catches a broken earlier one, and the benchmark's guard-off row. */
  transformPipeline?: (p: Pipeline) => Pipeline;
  nodeId?: string;
  /** Override radius.listen; false: no RADIUS listener in this process (cluster workers: the primary owns it). */
  radiusListen?: string | false;
  /** Override transparency.listen ("host:port"). */
  transparencyListen?: string;
  /** Replace the metrics registry (cluster workers answer scrapes with the whole cluster's view). */
  metrics?: Metrics;
  /** Override frontDoor.listen; false: no front door in this process. */
  frontDoorListen?: string | false;
  /** When audit.retentionDays applies first, in ms after start (default a minute): tests of retention in a running gateway. */
  retentionFirstRunMs?: number;
  /** How long the start waits for the consent choices to be read back from the audit (memory store), and retries after a failure (tests; consent-replay-start.ts). */
  consentReplayWaitMs?: number;
  consentReplayRetryMs?: number;
}

export interface RunningGateway {
  proxyAddress: AddressInfo;
  adminAddress: AddressInfo;
  proxyUrl: string;
  adminUrl: string;
  policy(): CompiledPolicy;
  bindings: BindingStore;
  metrics: Metrics;
  log: Logger;
  /** Raise alerts here (log line at error level + metric + optional webhook). */
  alerts: Alerts;
  /** What the egress guard removed: subscribe in-process (the canary does). */
  guardHits: GuardHits;
  ingress: Ingress;
  admin: AdminServer;
  /** The canary sentinel (undefined with canary.enabled: false). */
  canary: Canary | undefined;
  /** Enrichment on/off (the canary turns it off with onFailure: disable-enrichment). */
  enrichment: EnrichmentSwitch;
  /** Safe policy reload: validate, lint, log the exposure diff, canary the new pipeline, swap. */
  reload(trigger?: ReloadTrigger): Promise<ReloadResult>;
  reloads(): readonly ReloadResult[];
  /** The RADIUS accounting listener, when configured and owned by this process. */
  radius: RunningRadius | undefined;
  /** The disclosure audit (undefined without an `audit:` section); other capabilities record events with audit.log.recordEvent() (docs/audit.md). */
  audit: AuditRuntime | undefined;
  /** Subscribers' consent withdrawals and objections (next to the bindings). */
  consents: ConsentStore;
  /** The subscriber's own page, when `transparency:` is configured. */
  transparencyAddress: AddressInfo | undefined;
  transparencyUrl: string | undefined;
  /** The front door (OIDC + CAMARA APIs over HTTPS), when `frontDoor:` is configured. */
  frontDoor: RunningFrontDoor | undefined;
  stop(drainMs?: number): Promise<void>;
}

export async function startGateway(loaded: LoadedConfig, opts: GatewayOptions = {}): Promise<RunningGateway> {
  const { config } = loaded;
  const nodeId = opts.nodeId ?? `${hostname().split('.')[0]}-${randomBytes(3).toString('hex')}`;
  const log = opts.log ?? createLogger({ base: { node: nodeId } });
  for (const w of loaded.warnings) log.warn('config warning', { issue: formatIssue(w) });

  const metrics = opts.metrics ?? new Metrics({ defaultMetrics: true, gcMetrics: config.admin.gcMetrics });
  const alerts = alertsOf(config, { log, registry: metrics.registry, nodeId });
  const health = new BindingStoreHealth(metrics, log, alerts);
  let statics: StaticBindings | undefined = undefined; // set once the store exists; its reconnect hook needs it
  const bindings =
    opts.bindings ??
    (await createBindingStore(config.subscribers.store, {
      redis: { ...config.subscribers.redis, tls: redisTlsMaterial(config.subscribers.redis.tls, loaded.file) },
      maxStaleMs: config.subscribers.maxStaleMs,
      onState: (state, reason) => {
        health.connection(state, reason);
        if (state === 'up') statics?.storeUp(); // a store that restarted empty gets them back
      },
    }));
  health.store = bindings.kind;
  if (isRedisBindingStore(bindings) && !(await bindings.waitReady(Math.max(2000, config.subscribers.redis.timeoutMs * 8))))
    alerts.raise(ALERT_BINDING_STORE, 'binding store not reachable at start: serving without enrichment until it is', { store: bindings.kind });
  statics = staticBindingsOf(config, { store: bindings, alerts, log });
  await statics.begin();
  metrics.gauge('hedge_static_bindings_missing', 'Static bindings found missing from the binding store at the last check (written back at once)', () => statics.missing, 'max');
  metrics.gauge('hedge_static_bindings_restored_total', 'Static bindings written back after the store lost them', () => statics.restored);

  const policy = compilePolicy(config, loaded.file, loaded.lineOf);
  opts.acceptPolicy?.(policy);
  if (policy.material?.ephemeral)
    log.warn(
      'no keys.file configured: signing and pseudonym keys are per-process and change at every start; partners must re-fetch the JWKS and every pseudonym changes (run `hedge keys generate`)',
    );
  const guardHits = new GuardHits(metrics.registry, alerts);
  // What a config does not use is never loaded (the audit stores, RADIUS, the
  // subscriber page, the front door): each costs resident memory once imported.
  const audit = loaded.config.audit
    ? await (await import('../audit/setup.js')).startAudit(loaded, { nodeId, log, metrics, alerts, policy, retentionFirstRunMs: opts.retentionFirstRunMs })
    : undefined;
  if (audit) guardHits.on((hits, flow) => void audit.log.recordEvent(guardHitEvent(hits, flow)));
  const enrichment = new EnrichmentSwitch();
  // With an audit, the memory store starts closed and its choices are read back from the audit before any listener opens
  // (a restart forgot every withdrawal before: consent-replay-start.ts); the Redis store keeps them itself.
  const consents = await createConsentStore(bindings, { ...config.subscribers, awaitingReplay: audit !== undefined });
  const consentReplay =
    audit && isMemoryConsentStore(consents)
      ? await replayConsentAtStart(consents, audit, log, { waitMs: opts.consentReplayWaitMs, retryMs: opts.consentReplayRetryMs })
      : undefined;
  const canarySource = config.canary.enabled ? config.canary.source : undefined;
  // One way to build a pipeline, for the start and for every reload candidate.
  const makePipeline = (pol: CompiledPolicy): Pipeline => {
    const built = buildPipeline({
      policy: pol,
      bindings,
      onBindingStoreError: (err) => health.lookupFailed(err),
      guardHits: guardHits.sink,
      enrichment,
      canarySource,
      audit: audit?.log,
      consent: consents,
    });
    return opts.transformPipeline ? opts.transformPipeline(built) : built;
  };
  let pipeline = makePipeline(policy);
  metrics.setPolicyVersion(policy.version);
  // A store that cannot answer must not break the whole scrape: the gauge reads NaN meanwhile.
  // --workers: each worker sees the whole set (replicated from the primary, or the shared Redis): not a sum.
  metrics.gauge('hedge_bindings', 'Subscriber bindings in the store', () => Promise.resolve(bindings.size()).catch(() => NaN), 'max');
  if (isRedisBindingStore(bindings))
    metrics.gauge('hedge_binding_store_up', 'Whether the shared binding store is connected (1) or not (0)', () => (bindings.available() ? 1 : 0), 'min');

  const resolver = new Resolver(config.proxy.resolve);
  // Where proxied connections may go; the gateway's own listeners are added once they are bound.
  const destinations = new DestinationPolicy({ rules: config.proxy.destinations, pinned: (host, port) => resolver.pinned(host, port) });
  const upstream = new Upstream({ limits: config.proxy.limits, destinations, tls: opts.upstreamTls });
  const limits = config.proxy.limits;
  const fd = checkFileLimit(limits.maxConnections);
  if (fd.problem) log.warn('file-descriptor limit below the connection cap', { soft: fd.soft, needed: fd.needed, advice: fd.problem });
  const overload = new OverloadGuard({ ...limits, maxConnections: fd.maxConnections }, metrics.registry, canarySource);
  // hedge's own listeners a phone may reach through the proxy (the front door registers itself once listening).
  const internal = new InternalDestinations();
  const ingress = new Ingress({
    overload,
    proxy: config.proxy,
    pipeline: () => pipeline,
    upstream,
    resolver,
    destinations,
    metrics,
    log,
    nodeId,
    connectPorts: new Set(opts.connectPorts ?? [443]),
    internal,
    accessLog: new AccessLog(log, 'proxy', config.proxy.accessLog),
  });
  const admin = new AdminServer({
    token: config.admin.token,
    hostnames: config.admin.hostnames,
    viaToken: config.proxy.via,
    country: config.operator.country,
    bindings,
    policy: () => pipeline.policy,
    metrics,
    log,
    startedAt: Date.now(),
    staticBindings: () => ({ configured: statics.configured, missing: statics.missing }),
    accessLog: new AccessLog(log, 'admin', config.admin.accessLog),
    limits: config.admin.limits,
  });
  admin.addRoute(logLevelRoutes(log));
  // /livez and /readyz answer without the token (load balancers); the checks are added once their parts exist.
  const readiness = new Readiness();
  admin.addPublicRoute(probeRoutes(readiness));
  admin.addRoute(alertRoutes(alerts));
  if (audit) admin.addRoute(audit.adminRoute(() => pipeline.policy));
  // A number that changed hands: recorded in the audit, then beside the consent choices (only with an audit to record it in).
  if (audit) {
    const { reassignRoute } = await import('../transparency/reassign-route.js');
    // --workers with the memory store: each worker holds its own consent store, so a reassignment is refused (reassign-route.ts).
    const perProcess = cluster.isWorker && consents.kind === 'memory';
    admin.addRoute(reassignRoute({ consents, recordEvent: (e) => audit.log.recordEvent(e), country: config.operator.country, log, perProcess }));
  }

  let cancelExpiryWarnings = scheduleExpiryWarnings(policy, log);
  registerExpiryMetrics(metrics.registry, () => pipeline.policy);
  const canary = config.canary.enabled
    ? new Canary({
        config: config.canary,
        country: config.operator.country,
        proxy: config.proxy,
        bindings,
        guardHits,
        alerts,
        registry: metrics.registry,
        log,
        enrichment,
        current: () => pipeline,
        onResult: audit && ((r) => void audit.log.recordEvent(canaryEvent(r))),
        ownListener: (address) => destinations.addOwnListener(address),
      })
    : undefined;
  const reloader = new PolicyReloader({
    file: loaded.file,
    startedWith: config,
    current: () => pipeline,
    build: makePipeline,
    swap: (next) => {
      pipeline = next; // the ingress reads this once per request: in-flight requests finish on the old one
      metrics.setPolicyVersion(next.policy.version);
      cancelExpiryWarnings();
      cancelExpiryWarnings = scheduleExpiryWarnings(next.policy, log);
    },
    canary,
    alerts,
    registry: metrics.registry,
    log,
    record: audit && ((r, o) => audit.log.recordEvent(reloadEvent(r, o?.abandons), { late: o?.late })),
  });
  opts.clusterReload?.attach(reloader, log);
  const reload = opts.clusterReload ? opts.clusterReload.request : (trigger: ReloadTrigger) => reloader.reload(trigger);
  admin.addRoute(canaryRoutes(canary, () => pipeline));
  admin.addRoute(reloadRoutes(reload, () => reloader.recent()));
  admin.addPublicRoute(jwksRoute(() => pipeline.policy));
  admin.addRoute(tokenResolveRoute(() => pipeline.policy, metrics, log));

  const p = parseListen(opts.proxyListen ?? config.proxy.listen)!;
  const a = parseListen(opts.adminListen ?? config.admin.listen)!;
  const proxyAddress = await ingress.listen(p.host, p.port);
  destinations.addOwnListener(proxyAddress);
  let adminAddress: AddressInfo;
  try {
    adminAddress = await admin.listen(a.host, a.port);
    destinations.addOwnListener(adminAddress);
  } catch (err) {
    await ingress.close(0);
    await audit?.stop();
    throw err;
  }
  let transparency: TransparencyServer | undefined;
  let transparencyAddress: AddressInfo | undefined;
  if (config.transparency && audit) {
    const { TransparencyServer } = await import('../transparency/server.js');
    transparency = new TransparencyServer({
      bindings,
      consents,
      audit: { store: audit.store, key: audit.key, recordEvent: (e) => audit.log.recordEvent(e) },
      policy: () => pipeline.policy,
      operator: config.operator.name,
      viaToken: config.proxy.via,
      host: config.transparency.host,
      log: log.child({ component: 'transparency' }),
      registry: metrics.registry,
      rateLimit: { limit: config.transparency.rateLimitPerMinute, windowMs: 60_000 },
      limits: config.transparency.limits,
    });
    const t = parseListen(opts.transparencyListen ?? config.transparency.listen)!;
    try {
      transparencyAddress = await transparency.listen(t.host, t.port);
      // It recognises a phone by its connection: never a destination of the proxy (which would hide that connection).
      destinations.addOwnListener(transparencyAddress);
      // Through hedge's own proxy the page is answered in-process with the phone's address (never forwarded).
      const page = transparency;
      const serve = (req: IncomingMessage, res: ServerResponse, address: string) => page.serve(req, res, address);
      if (config.transparency.host) internal.addHttp(config.transparency.host, 80, serve);
      internal.addHttp(transparencyAddress.address, transparencyAddress.port, serve);
    } catch (err) {
      await ingress.close(0);
      await admin.close();
      await audit.stop();
      throw err;
    }
  }
  let radius: RunningRadius | undefined;
  if (config.radius && opts.radiusListen !== false) {
    try {
      const { startRadius } = await import('../identity/radius/start.js');
      radius = await startRadius({ config: config.radius, country: config.operator.country, store: bindings, registry: metrics.registry, log, listen: opts.radiusListen });
    } catch (err) {
      await ingress.close(0);
      await admin.close();
      await transparency?.close();
      await audit?.stop();
      throw err;
    }
  }
  let frontDoor: RunningFrontDoor | undefined;
  if (config.frontDoor && opts.frontDoorListen !== false) {
    try {
      const { startFrontDoor } = await import('../frontdoor/start.js');
      frontDoor = await startFrontDoor(
        loaded,
        { policy: () => pipeline.policy, bindings, consents, onBindingStoreError: (err) => health.lookupFailed(err), audit: audit?.log, registry: metrics.registry, log, nodeId },
        opts.frontDoorListen,
      );
      if (frontDoor) {
        const fd = frontDoor.frontDoor;
        const pub = fd.publicAuthority;
        internal.add(pub.host, pub.port, (socket, address, head) => fd.acceptInternal(socket, address, head));
        // The listen address too, when it differs (a phone that CONNECTs to it still takes the internal hop).
        const a = frontDoor.address;
        if (a.address !== pub.host || a.port !== pub.port) internal.add(a.address, a.port, (socket, address, head) => fd.acceptInternal(socket, address, head));
      }
      // Same for the front door: the proxy reaches it only through the in-process hand-over, never a connection.
      if (frontDoor) destinations.addOwnListener(frontDoor.address);
    } catch (err) {
      await radius?.close();
      await ingress.close(0);
      await admin.close();
      await transparency?.close();
      await audit?.stop();
      throw err;
    }
  }
  // The canary runs once before we say we are up, then every canary.intervalSeconds.
  if (canary) await canary.start();
  addReadinessChecks(readiness, { ingress, admin, policy: () => pipeline.policy, canary, bindings, audit, consents });
  // --workers: the primary watches the file and reloads the whole cluster.
  const watcher = config.reload.watch && !opts.clusterReload ? watchPolicyFile(loaded.file, config.reload.debounceMs, () => void reloader.reload('watch'), log) : undefined;
  log.info('hedge started', {
    // The process to signal (HUP reloads the policy, TERM drains and stops): a
    // --workers worker names its primary, which relays signals to every worker.
    ...(cluster.isWorker ? { workerPid: process.pid, pid: process.ppid } : { pid: process.pid }),
    proxy: `${proxyAddress.address}:${proxyAddress.port}`,
    admin: `${adminAddress.address}:${adminAddress.port}`,
    mode: config.proxy.mode,
    policyVersion: policy.version,
    partners: policy.partners.length,
    bindingStore: bindings.kind,
    radius: radius ? `${radius.address.address}:${radius.address.port}` : undefined,
    audit: audit ? `${audit.store.kind} chain ${audit.log.node}` : 'off',
    frontDoor: frontDoor ? `${frontDoor.address.address}:${frontDoor.address.port}` : undefined,
  });

  const fmt = (x: AddressInfo) => `http://${x.family === 'IPv6' ? `[${x.address}]` : x.address}:${x.port}`;
  let stopped: Promise<void> | undefined;
  return {
    proxyAddress,
    adminAddress,
    proxyUrl: fmt(proxyAddress),
    adminUrl: fmt(adminAddress),
    policy: () => pipeline.policy,
    bindings,
    metrics,
    log,
    alerts,
    guardHits,
    ingress,
    admin,
    radius,
    canary,
    enrichment,
    reload: (trigger: ReloadTrigger = 'api') => reload(trigger),
    reloads: () => reloader.recent(),
    audit,
    consents,
    transparencyAddress,
    transparencyUrl: transparencyAddress && fmt(transparencyAddress),
    frontDoor,
    stop(drainMs?: number) {
      stopped ??= (async () => {
        readiness.drain(); // first: load balancers stop sending new traffic while in-flight requests finish
        log.info('draining', { timeoutMs: drainMs ?? config.proxy.limits.drainTimeoutMs });
        cancelExpiryWarnings();
        statics.stop();
        watcher?.close();
        await canary?.stop();
        await radius?.close();
        await frontDoor?.frontDoor.close();
        await ingress.close(drainMs);
        await admin.close();
        await transparency?.close();
        consentReplay?.stop();
        await audit?.stop();
        await consents.close();
        await upstream.close().catch(() => upstream.destroy());
        await bindings.close();
        await alerts.close();
        readiness.close();
        log.info('stopped');
      })();
      return stopped;
    },
  };
}

/** What /readyz checks: each named, each with a short reason when it fails. */
function addReadinessChecks(
  readiness: Readiness,
  p: {
    ingress: Ingress;
    admin: AdminServer;
    policy: () => CompiledPolicy;
    canary: Canary | undefined;
    bindings: BindingStore;
    audit: AuditRuntime | undefined;
    consents: ConsentStore;
  },
): void {
  readiness.add('listeners', () => (p.ingress.server.listening && p.admin.server.listening ? { ok: true } : { ok: false, detail: 'the proxy listener is closed' }));
  readiness.add('policy', () => {
    const version = p.policy().version;
    return version ? { ok: true, detail: `version ${version}` } : { ok: false, detail: 'no policy loaded' };
  });
  readiness.add('canary', () => {
    if (!p.canary) return { ok: true, detail: 'disabled' };
    const last = p.canary.status().last;
    if (!last) return { ok: false, detail: 'has not passed yet' };
    return last.ok ? { ok: true, detail: `passed at ${last.startedAt}` } : { ok: false, detail: `the last run failed (${last.failures} failing findings)` };
  });
  readiness.add('bindingStore', () => {
    const b = p.bindings;
    if (isRedisBindingStore(b)) return b.available() ? { ok: true, detail: 'redis connected' } : { ok: false, detail: 'redis not reachable' };
    return { ok: true, detail: b.kind };
  });
  readiness.add('audit', () => {
    if (!p.audit) return { ok: true, detail: 'off' };
    const s = p.audit.log.status();
    return s.available ? { ok: true, detail: `${p.audit.store.kind} up` } : { ok: false, detail: `${p.audit.store.kind} cannot commit (${s.lastError ?? s.state})` };
  });
  readiness.add('consentChoices', () => {
    const c = p.consents;
    if (!isMemoryConsentStore(c)) return { ok: true, detail: c.kind };
    // Until then no partner receives anything (consent-replay-start.ts).
    return c.ready ? { ok: true, detail: 'memory' } : { ok: false, detail: 'not yet read back from the audit' };
  });
}
