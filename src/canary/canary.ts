// The canary sentinel. A reserved synthetic subscriber, bound to a dedicated
// loopback source address, sends requests through the real ingress code and
// the real pipeline — to hedge's own non-partner canary hosts, where nothing
// identifying may arrive, and to each partner host pattern, where only the
// granted headers may. It runs at start, before a reloaded policy takes
// traffic (against the NEW pipeline) and every `canary.intervalSeconds`.
//
// Its requests go through a private Ingress instance (same class, same
// pipeline object as the public listener) whose upstream delivers every
// request to the canary origin on loopback: canary traffic never reaches a
// real partner or site, so it can probe partner hosts without disclosing
// even a synthetic identity to them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Flow } from '../pipeline/flow.js';
import type { Pipeline } from '../pipeline/index.js';
import type { Config, CanaryConfig } from '../config/schema.js';
import type { BindingStore } from '../identity/store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { normalizeSubscriber } from '../subscriber/normalize.js';
import { bindingKey } from '../shared/binding-key.js';
import { Ingress } from '../proxy/ingress.js';
import { Upstream } from '../proxy/upstream.js';
import { Resolver } from '../proxy/resolve.js';
import { fixedDialer, type Dialer } from '../destination/policy.js';
import { Metrics } from '../shared/metrics.js';
import type { Alerts } from '../alerts/alerts.js';
import type { GuardHits } from '../pipeline/guard-hits.js';
import type { Logger } from '../shared/log.js';
import { silentLogger } from '../shared/log.js';
import { listenWith, type ListenerErrorReport } from '../shared/listen.js';
import { SubscriberMatcher } from '../detect/subscriber-match.js';
import { canonicalHeaderName } from '../detect/header-catalogue.js';
import { startCanaryOrigin, type CanaryOrigin, type Received } from './origin.js';
import { probesFor, type Probe } from './probes.js';
import { checkReceived, requestFailed, type Finding } from './check.js';
import type { EnrichmentSwitch } from './enrichment-switch.js';

export type CanaryTrigger = 'start' | 'interval' | 'reload' | 'manual';

export interface CanaryResult {
  ok: boolean;
  trigger: CanaryTrigger;
  policyVersion: string;
  startedAt: string;
  durationMs: number;
  /** Requests sent (one per probe). */
  checks: number;
  /** Hosts probed, partner hosts with their partner id. */
  probes: { host: string; partner: string | undefined }[];
  failures: number;
  findings: Finding[];
}

export interface CanaryDeps {
  config: CanaryConfig;
  country: string;
  proxy: Config['proxy'];
  bindings: BindingStore;
  guardHits: GuardHits;
  alerts: Alerts;
  registry: Registry;
  log: Logger;
  enrichment: EnrichmentSwitch;
  /** The pipeline in force (interval and manual runs). */
  current(): Pipeline;
  /** Every result (the gateway records them in the audit). */
  onResult?: ((r: CanaryResult) => void) | undefined;
  /**
   * Told the address of each listener the canary opens — its origin, once, and
   * each run's ingress, for the run: the gateway's own listeners, which the
   * proxy's destination policy must refuse (a phone would otherwise reach them
   * whenever the operator allows loopback). Returns what unregisters it.
   */
  ownListener?: ((address: AddressInfo) => () => void) | undefined;
}

/** Marks the canary's requests (a fixed, non-identifying value). */
const CANARY_HEADER = 'x-hedge-canary';

export class Canary {
  private origin: CanaryOrigin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CanaryResult> | undefined;
  private last: CanaryResult | undefined;
  private readonly subscriber: Subscriber;
  private readonly matcher: SubscriberMatcher;
  private readonly privateMetrics = new Metrics();
  private readonly runs: Counter<'result' | 'trigger'>;
  private readonly lastRun: Gauge;
  private readonly lastOk: Gauge;
  private readonly lastFailures: Gauge;
  private seq = 0;
  private stopped = false;

  constructor(private readonly deps: CanaryDeps) {
    const c = deps.config;
    this.subscriber = normalizeSubscriber(
      { msisdn: c.subscriber.msisdn, imsi: c.subscriber.imsi, imei: c.subscriber.imei, ageVerified: c.subscriber.ageVerified },
      deps.country,
      'canary',
    );
    this.matcher = new SubscriberMatcher({ ...this.subscriber, clientAddress: c.source });
    const r = deps.registry;
    this.runs = new Counter({ name: 'hedge_canary_runs_total', help: 'Canary runs by result (pass, fail) and trigger', labelNames: ['result', 'trigger'], registers: [r] });
    // --workers: every worker runs its own canary; the cluster reports its stalest run, its worst result
    // and whether any worker has enrichment off (a sum would read as a date twice today, or "ok: 2").
    this.lastRun = new Gauge({ name: 'hedge_canary_last_run_timestamp_seconds', help: 'When the last canary run finished', registers: [r], aggregator: 'min' });
    this.lastOk = new Gauge({ name: 'hedge_canary_last_run_ok', help: '1 when the last canary run passed, 0 when it failed', registers: [r], aggregator: 'min' });
    this.lastFailures = new Gauge({ name: 'hedge_canary_last_run_failures', help: 'Failing findings of the last canary run', registers: [r], aggregator: 'max' });
    const sw = deps.enrichment;
    new Gauge({
      name: 'hedge_enrichment_enabled',
      help: '1 while enrichment is on, 0 while the canary has disabled it (canary.onFailure: disable-enrichment)',
      registers: [r],
      aggregator: 'min',
      collect() {
        this.set(sw.enabled ? 1 : 0);
      },
    });
  }

  /** Where the canary origin listens (undefined before the first run). */
  get originAddress(): AddressInfo | undefined {
    return this.origin?.address;
  }

  get source(): string {
    return this.deps.config.source;
  }

  /** Binds the synthetic subscriber, starts the canary origin and the interval; runs once. */
  async start(): Promise<CanaryResult> {
    await this.bind();
    const r = await this.run(this.deps.current(), 'start');
    const every = this.deps.config.intervalSeconds;
    if (every > 0 && !this.stopped) {
      this.timer = setInterval(() => {
        this.bind()
          .then(() => this.run(this.deps.current(), 'interval'))
          .catch((err: unknown) => this.deps.log.error('canary run failed to start', { error: (err as Error).name }));
      }, every * 1000);
      this.timer.unref();
    }
    return r;
  }

  status(): {
    enabled: true;
    source: string;
    intervalSeconds: number;
    onFailure: string;
    enrichmentEnabled: boolean;
    enrichmentDisabledSince: string | undefined;
    last: CanaryResult | undefined;
  } {
    const sw = this.deps.enrichment;
    return {
      enabled: true,
      source: this.deps.config.source,
      intervalSeconds: this.deps.config.intervalSeconds,
      onFailure: this.deps.config.onFailure,
      enrichmentEnabled: sw.enabled,
      enrichmentDisabledSince: sw.since ? new Date(sw.since).toISOString() : undefined,
      last: this.last,
    };
  }

  /**
   * One run against `pipeline` (the one in force, or a reload candidate).
   * Runs are serialised: a run asked for while one is going waits for it.
   */
  async run(pipeline: Pipeline, trigger: CanaryTrigger): Promise<CanaryResult> {
    while (this.running) await this.running.catch(() => undefined);
    const p = this.runOnce(pipeline, trigger);
    this.running = p;
    try {
      return await p;
    } finally {
      this.running = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.origin?.close();
    this.origin = undefined;
  }

  /** (Re)writes the canary binding: a store restart or an operator's DELETE must not blind the canary. */
  private async bind(): Promise<void> {
    try {
      await this.deps.bindings.set({ ip: bindingKey(this.deps.config.source) ?? this.deps.config.source, subscriber: this.subscriber });
    } catch (err) {
      this.deps.log.error('canary binding could not be written', { error: (err as Error).name, store: this.deps.bindings.kind });
    }
  }

  private async runOnce(pipeline: Pipeline, trigger: CanaryTrigger): Promise<CanaryResult> {
    const started = Date.now();
    const loop = this.deps.config.source.includes(':') ? '::1' : '127.0.0.1';
    if (!this.origin) {
      this.origin = await startCanaryOrigin(loop, (err) => this.deps.log.error('canary origin listener error', { code: err.code }));
      this.deps.ownListener?.(this.origin.address);
    }
    const probes = probesFor(pipeline.policy, started);
    const findings: Finding[] = [];
    const source = this.deps.config.source;
    let current: Probe | undefined;
    const unsubscribe = this.deps.guardHits.on((hits, flow) => {
      if (flow.clientAddress !== source) return;
      for (const h of hits)
        findings.push({
          host: current?.host ?? '',
          partner: current?.partner?.id,
          kind: 'guard-stripped',
          header: h.header,
          attribute: h.attribute,
          encoding: h.encoding,
          severity: 'failure',
          detail: h.reason,
        });
    });
    const originPort = this.origin.address.port;
    const resolver = new Resolver({});
    // Every canary connection, whatever host it names, goes to the canary's own origin.
    const destinations = fixedDialer({ address: loop, port: originPort });
    const upstream = new CanaryUpstream(originPort, loop, this.deps.proxy.limits, destinations);
    const ingress = new Ingress({
      proxy: { ...this.deps.proxy, mode: 'forward' },
      pipeline: () => pipeline,
      upstream,
      resolver,
      destinations,
      metrics: this.privateMetrics,
      log: silentLogger,
      nodeId: `canary-${++this.seq}`,
      connectPorts: new Set<number>(),
    });
    let release: (() => void) | undefined;
    try {
      const addr = await listenExclusive(ingress.server, loop, (err) => this.deps.log.error('canary listener error', { code: err.code }));
      // This run's ingress enriches for the canary's source: no phone may reach it through the proxy meanwhile.
      release = this.deps.ownListener?.(addr);
      const sent = new Map<string, string>([
        ['user-agent', 'hedge-canary/1'],
        ['accept', '*/*'],
        [CANARY_HEADER, `run-${this.seq}`],
      ]);
      const ctx = {
        matcher: this.matcher,
        sent,
        signatureHeaders: new Set([canonicalHeaderName(pipeline.policy.signatureHeader), 'signature-input', 'signature', 'hedge-partner']),
      };
      for (const probe of probes) {
        current = probe;
        const url = `http://${probe.host}${probe.port === 80 ? '' : `:${probe.port}`}/__hedge_canary`;
        try {
          const r = await this.request(addr.port, loop, url, sent);
          if (r.status !== 200 || !r.received) findings.push(requestFailed(probe, r.error ?? `status ${r.status}`));
          else findings.push(...checkReceived(probe, r.received, ctx));
        } catch (err) {
          findings.push(requestFailed(probe, (err as Error).message));
        }
      }
    } finally {
      current = undefined;
      unsubscribe();
      await ingress.close(0);
      release?.();
      await upstream.close().catch(() => upstream.destroy());
    }
    const failures = findings.filter((f) => f.severity === 'failure').length;
    const result: CanaryResult = {
      ok: failures === 0,
      trigger,
      policyVersion: pipeline.policy.version,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      checks: probes.length,
      probes: probes.map((p) => ({ host: p.host, partner: p.partner?.id })),
      failures,
      findings,
    };
    this.record(result, trigger);
    return result;
  }

  private record(r: CanaryResult, trigger: CanaryTrigger): void {
    this.deps.onResult?.(r);
    // A reload candidate's result is reported by the reload; the status shows the policy in force.
    if (trigger !== 'reload' || r.ok) this.last = r;
    this.runs.labels(r.ok ? 'pass' : 'fail', trigger).inc();
    this.lastRun.set(Date.now() / 1000);
    if (trigger !== 'reload') {
      this.lastOk.set(r.ok ? 1 : 0);
      this.lastFailures.set(r.failures);
    }
    const sw = this.deps.enrichment;
    if (r.ok) {
      this.deps.log.info('canary passed', { trigger, policyVersion: r.policyVersion, checks: r.checks, durationMs: r.durationMs });
      if (!sw.enabled && trigger !== 'reload') {
        sw.enable();
        this.deps.log.warn('enrichment re-enabled: the canary passes again', { policyVersion: r.policyVersion });
      }
      return;
    }
    const bad = r.findings.filter((f) => f.severity === 'failure');
    this.deps.alerts.raise(
      'canary-failed',
      trigger === 'reload'
        ? 'canary failed against a reloaded policy; it was not put in force'
        : 'canary failed: identifying data reached a site it was not granted to, or the canary could not run',
      {
        trigger,
        policyVersion: r.policyVersion,
        failures: r.failures,
        kinds: [...new Set(bad.map((f) => f.kind))],
        hosts: [...new Set(bad.map((f) => f.host))],
        headers: [...new Set(bad.map((f) => f.header).filter((h): h is string => h !== undefined))],
        onFailure: this.deps.config.onFailure,
      },
    );
    if (trigger !== 'reload' && this.deps.config.onFailure === 'disable-enrichment' && sw.enabled) {
      sw.disable('canary failed');
      this.deps.log.error('enrichment disabled until a canary run passes (canary.onFailure: disable-enrichment)', { policyVersion: r.policyVersion });
    }
  }

  private request(port: number, host: string, url: string, headers: ReadonlyMap<string, string>): Promise<{ status: number; received?: Received; error?: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host, port, method: 'GET', path: url, headers: Object.fromEntries(headers), localAddress: this.deps.config.source, agent: false });
      req.setTimeout(this.deps.config.timeoutMs, () => req.destroy(new Error('canary request timed out')));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) return resolve({ status, error: String(res.headers['x-hedge-error'] ?? `status ${status}`) });
          try {
            resolve({ status, received: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received });
          } catch {
            resolve({ status, error: 'the answer did not come from the canary origin' });
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }
}

/**
 * Listens on a port of its own even in a node:cluster worker (where listen(0)
 * would otherwise share one port among all workers and hand this worker's
 * canary requests to another worker's canary).
 */
export function listenExclusive(server: http.Server, host: string, onError: ListenerErrorReport): Promise<AddressInfo> {
  return listenWith(server, { host, port: 0, exclusive: true }, onError);
}

/** The real upstream, delivering every request to the canary origin over plain HTTP on loopback. */
class CanaryUpstream extends Upstream {
  constructor(
    private readonly port: number,
    private readonly host: string,
    limits: Config['proxy']['limits'],
    destinations: Dialer,
  ) {
    super({ limits: { ...limits, upstreamConnections: 4 }, destinations });
  }

  override origin(_flow: Flow): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }
}
