// Safe policy reload (SIGHUP, POST /policy/reload, optional file watch):
//   1 read, validate and lint the file again (file:line:key for every problem)
//   2 compile it (keys included)
//   3 log its exposure diff against the policy in force
//   4 run the canary against the NEW pipeline before it takes any traffic
//   4b a change that widens disclosure: commit its audit event first (refused when the audit cannot)
//   5 swap it in atomically: the ingress reads the pipeline once per request,
//     so requests in flight finish on the old one
// Any failure keeps the old policy serving and says why. Every attempt is an
// event (log line, metric, history) carrying the policy version hashes.
import { ConfigError, HedgeError, formatIssue } from '../shared/errors.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { compilePolicy, type CompiledPolicy } from '../policy/compile.js';
import { exposureSummary, type ExposureSummary } from '../policy/reload-exposure.js';
import type { Pipeline } from '../pipeline/index.js';
import type { Canary, CanaryResult } from '../canary/canary.js';
import type { Alerts } from '../alerts/alerts.js';
import type { Logger } from '../shared/log.js';
import { Counter, type Registry } from 'prom-client';

export type ReloadTrigger = 'sighup' | 'admin' | 'watch' | 'api';

export interface ReloadResult {
  /** applied: in force now; unchanged: same policy version, nothing to do; refused: the old policy keeps serving. */
  result: 'applied' | 'unchanged' | 'refused';
  trigger: ReloadTrigger;
  at: string;
  file: string;
  from: string;
  to: string | undefined;
  /** Where a refused reload stopped. */
  stage?: 'read' | 'validate' | 'compile' | 'canary' | 'audit' | undefined;
  reason?: string | undefined;
  /** file:line:col key: message, for validation and lint problems. */
  issues?: string[] | undefined;
  exposure?: ExposureSummary | undefined;
  canary?: CanaryResult | undefined;
  /** Config sections that changed but need a restart (not applied by a reload). */
  restartNeeded?: string[] | undefined;
  durationMs: number;
}

export interface ReloaderDeps {
  file: string;
  /** The config the gateway started with (sections a reload cannot change are compared to it). */
  startedWith: Config;
  current(): Pipeline;
  build(policy: CompiledPolicy): Pipeline;
  swap(next: Pipeline): void;
  canary: Canary | undefined;
  alerts: Alerts;
  registry: Registry;
  log: Logger;
  /**
   * Records a reload result in the audit; resolves false when it could not be committed. A change that widens
   * disclosure is recorded before it is swapped in, and refused when this says false; every other result after.
   */
  record?: ((r: ReloadResult) => Promise<boolean>) | undefined;
  /** The config a reload put in force (a --workers worker tells its primary, which starts replacement workers with it). */
  onApplied?: ((loaded: LoadedConfig) => void) | undefined;
}

/** Sections a reload applies; everything else is read at start only. */
const RELOADABLE = new Set(['partners', 'keys']);

export class PolicyReloader {
  private inflight: Promise<ReloadResult> | undefined;
  /** The one reload that follows the running one, shared by every request made meanwhile. */
  private queued: Promise<ReloadResult> | undefined;
  private readonly history: ReloadResult[] = [];
  private readonly counter: Counter<'result' | 'trigger'>;

  constructor(private readonly deps: ReloaderDeps) {
    this.counter = new Counter({
      name: 'hedge_policy_reloads_total',
      help: 'Policy reload attempts by result (applied, unchanged, refused) and trigger',
      labelNames: ['result', 'trigger'],
      registers: [deps.registry],
    });
  }

  /**
   * Reloads now; a request while one runs waits for it and then reloads again (the file may have changed
   * since). Every request made meanwhile shares that one next reload: a storm of SIGHUPs or admin calls
   * costs two reloads, not one per request.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    if (this.queued) return this.queued;
    if (!this.inflight) return this.start(trigger);
    const next = () => {
      this.queued = undefined;
      return this.start(trigger);
    };
    this.queued = this.inflight.then(next, next);
    return this.queued;
  }

  private start(trigger: ReloadTrigger): Promise<ReloadResult> {
    const p = this.attempt(trigger).finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }

  recent(): readonly ReloadResult[] {
    return this.history;
  }

  private async attempt(trigger: ReloadTrigger): Promise<ReloadResult> {
    const t0 = Date.now();
    const old = this.deps.current();
    const base = { trigger, at: new Date(t0).toISOString(), file: this.deps.file, from: old.policy.version };
    const done = (r: Omit<ReloadResult, 'durationMs' | keyof typeof base>, recorded = false): ReloadResult => this.finish({ ...base, ...r, durationMs: Date.now() - t0 }, recorded);
    let recorded = false;

    let loaded: LoadedConfig;
    try {
      loaded = loadConfigFile(this.deps.file);
    } catch (err) {
      if (err instanceof ConfigError)
        return done({ result: 'refused', to: undefined, stage: 'validate', reason: 'the policy file does not validate', issues: err.issues.map(formatIssue) });
      if (err instanceof HedgeError) return done({ result: 'refused', to: undefined, stage: 'read', reason: err.message });
      return done({ result: 'refused', to: undefined, stage: 'read', reason: `cannot load the policy file (${(err as Error).name})` });
    }
    const warnings = loaded.warnings.map(formatIssue);
    const restartNeeded = changedSections(this.deps.startedWith, loaded.config);

    let next: CompiledPolicy;
    try {
      next = compilePolicy(loaded.config, loaded.file, loaded.lineOf);
    } catch (err) {
      const issues = err instanceof ConfigError ? err.issues.map(formatIssue) : undefined;
      return done({ result: 'refused', to: undefined, stage: 'compile', reason: (err as Error).message.split('\n')[0], issues, restartNeeded });
    }
    // The version hashes the partners and stripped headers; rotated keys (keys.file, a partner CA, client JWKS) change only the fingerprint.
    if (next.version === old.policy.version && next.materialFingerprint === old.policy.materialFingerprint)
      return done({ result: 'unchanged', to: next.version, issues: warnings.length ? warnings : undefined, restartNeeded });

    const exposure = exposureSummary(old.policy, next);
    const log = exposure.widens ? this.deps.log.warn : this.deps.log.info;
    log('policy reload: exposure diff', { from: old.policy.version, to: next.version, widens: exposure.widens, summary: exposure.text, changes: exposure.lines });

    const candidate = this.deps.build(next);
    let canary: CanaryResult | undefined;
    if (this.deps.canary) {
      canary = await this.deps.canary.run(candidate, 'reload');
      if (!canary.ok) return done({ result: 'refused', to: next.version, stage: 'canary', reason: 'the canary failed against the new policy', exposure, canary, restartNeeded });
    }
    // A widening change is in the audit before it takes any traffic; a narrowing one (an emergency removal) never waits.
    if (exposure.widens && this.deps.record) {
      const pending = { ...base, result: 'applied' as const, to: next.version, exposure, canary, durationMs: Date.now() - t0 };
      if (!(await this.deps.record(pending)))
        return done({
          result: 'refused',
          to: next.version,
          stage: 'audit',
          reason: 'the change widens disclosure and its audit record could not be committed',
          exposure,
          canary,
          restartNeeded,
        });
      recorded = true;
    }
    // Requests already running keep the pipeline they read; new ones get this.
    this.deps.swap(candidate);
    this.deps.onApplied?.(loaded);
    return done({ result: 'applied', to: next.version, exposure, canary, issues: warnings.length ? warnings : undefined, restartNeeded }, recorded);
  }

  private finish(r: ReloadResult, recorded: boolean): ReloadResult {
    this.counter.labels(r.result, r.trigger).inc();
    if (!recorded) void this.deps.record?.(r);
    this.history.push(r);
    if (this.history.length > 20) this.history.shift();
    const fields = { trigger: r.trigger, result: r.result, from: r.from, to: r.to, durationMs: r.durationMs, stage: r.stage, file: r.file };
    if (r.restartNeeded?.length) this.deps.log.warn('policy reload: these sections changed but need a restart to apply', { sections: r.restartNeeded });
    if (r.result === 'refused') {
      this.deps.log.error('policy reload refused; the previous policy keeps serving', { ...fields, reason: r.reason, issues: r.issues });
      this.deps.alerts.raise('policy-reload-refused', `policy reload refused at ${r.stage}: ${r.reason ?? ''}`.trim(), {
        trigger: r.trigger,
        stage: r.stage,
        from: r.from,
        to: r.to,
        file: r.file,
      });
    } else this.deps.log.info(r.result === 'applied' ? 'policy reloaded' : 'policy reload: nothing changed', fields);
    return r;
  }
}

/** Top-level sections (proxy without stripHeaders) that differ and that a reload does not apply. */
function changedSections(a: Config, b: Config): string[] {
  const out: string[] = [];
  for (const key of Object.keys({ ...a, ...b }) as (keyof Config)[]) {
    if (RELOADABLE.has(key)) continue;
    let x: unknown = a[key];
    let y: unknown = b[key];
    if (key === 'proxy') {
      x = { ...(x as object), stripHeaders: undefined };
      y = { ...(y as object), stripHeaders: undefined };
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(key);
  }
  return out;
}
