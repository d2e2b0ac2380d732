// Safe policy reload (SIGHUP, POST /policy/reload, optional file watch):
//   1 read the file once (a regular file, bounded: config/yaml-source.ts)
//   2 prepare: validate and lint (file:line:key for every problem), compile
//     (keys included), log the exposure diff, run the canary against the NEW
//     pipeline before it takes any traffic — nothing is swapped in yet
//   3 a change that widens disclosure: commit its audit event first (refused when the audit cannot)
//   4 commit: swap it in atomically: the ingress reads the pipeline once per
//     request, so requests in flight finish on the old one
// Any failure keeps the old policy serving and says why. Every attempt is an
// event (log line, metric, history) carrying the policy version hashes.
// A single process runs all four itself (reload()); with --workers the
// primary reads the file and drives prepare and commit in every worker, so a
// reload applies in all of them or in none (node/cluster-reload.ts); both use
// prepare(), commit() and settle() below.
import { ConfigError, HedgeError, formatIssue } from '../shared/errors.js';
import { parseConfig, type LoadedConfig } from '../config/load.js';
import { readConfigTextForReload } from '../config/yaml-source.js';
import { changedSections } from '../config/reloadable.js';
import type { Config } from '../config/schema.js';
import { compilePolicy, type CompiledPolicy } from '../policy/compile.js';
import { exposureSummary, type ExposureSummary } from '../policy/reload-exposure.js';
import type { Pipeline } from '../pipeline/index.js';
import type { Canary, CanaryResult } from '../canary/canary.js';
import type { Alerts } from '../alerts/alerts.js';
import type { Logger } from '../shared/log.js';
import { SharedRun } from '../shared/shared-run.js';
import type { Registry } from 'prom-client';
import { countAndAlert, noteCountedElsewhere, reloadCounter, type ReloadCounter } from './reload-events.js';
import type { LandedRecord, LateOutcome } from '../audit/audit-log.js';

export type ReloadTrigger = 'sighup' | 'admin' | 'watch' | 'api';
/** Where a refused reload stopped; `cluster`: the workers of a --workers cluster could not all take part (one did not answer in time, exited, or read other key material). */
export type ReloadStage = 'read' | 'validate' | 'compile' | 'canary' | 'audit' | 'cluster';

export interface ReloadResult {
  /** applied: in force now; unchanged: same policy version, nothing to do; refused: the old policy keeps serving. */
  result: 'applied' | 'unchanged' | 'refused';
  trigger: ReloadTrigger;
  at: string;
  file: string;
  from: string;
  to: string | undefined;
  /** Where a refused reload stopped. */
  stage?: ReloadStage | undefined;
  reason?: string | undefined;
  /** file:line:col key: message, for validation and lint problems. */
  issues?: string[] | undefined;
  exposure?: ExposureSummary | undefined;
  canary?: CanaryResult | undefined;
  /** Config sections that changed but need a restart (not applied by a reload). */
  restartNeeded?: string[] | undefined;
  /** --workers: how many workers took part, how many were ready, refused, or did not answer. */
  workers?: { count: number; ready: number; refused: number; unanswered: number } | undefined;
  durationMs: number;
}

/** What a preparation found: the fields of a result (applied means ready to commit), and the candidate to swap in. */
export interface PreparedReload {
  outcome: Omit<ReloadResult, 'trigger' | 'at' | 'file' | 'from' | 'durationMs'>;
  /** Set when outcome.result is applied: the pipeline commit() swaps in. */
  candidate: Pipeline | undefined;
  /** The key material digest of the candidate (workers that read different key files must not both commit). */
  fingerprint: string | undefined;
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
   * `late`: told where a record that resolved false landed after all (audit-log.ts); `abandons`: record the
   * result as the abandonment of that record.
   */
  record?: ((r: ReloadResult, o?: { late?: LateOutcome; abandons?: LandedRecord | undefined }) => Promise<boolean>) | undefined;
}

export class PolicyReloader {
  private readonly runs = new SharedRun((trigger: ReloadTrigger) => this.attempt(trigger));
  private readonly history: ReloadResult[] = [];
  private readonly counter: ReloadCounter;
  /**
   * A widening reload's record that was not committed within the audit's bound: the reload is refused, but the
   * commit may still land. The refusal's own event waits for its fate (keyed by the result's at and to).
   */
  private undecided: { key: string; fate: Promise<LandedRecord | undefined> } | undefined;

  constructor(private readonly deps: ReloaderDeps) {
    this.counter = reloadCounter(deps.registry);
  }

  /**
   * Reloads now; a request while one runs waits for it and then reloads again (the file may have changed
   * since). Every request made meanwhile shares that one next reload: a storm of SIGHUPs or admin calls
   * costs two reloads, not one per request.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    return this.runs.request(trigger);
  }

  recent(): readonly ReloadResult[] {
    return this.history;
  }

  /** The policy version in force (a result's `from`). */
  version(): string {
    return this.deps.current().policy.version;
  }

  private async attempt(trigger: ReloadTrigger): Promise<ReloadResult> {
    const t0 = Date.now();
    const base = { trigger, at: new Date(t0).toISOString(), file: this.deps.file, from: this.version() };
    const result = (o: PreparedReload['outcome']): ReloadResult => ({ ...base, ...o, durationMs: Date.now() - t0 });
    let text: string;
    try {
      text = readConfigTextForReload(this.deps.file);
    } catch (err) {
      return this.settle(result(readRefusal(err)));
    }
    const prepared = await this.prepare(text);
    if (prepared.outcome.result !== 'applied') return this.settle(result(prepared.outcome));
    // A widening change is in the audit before it takes any traffic; a narrowing one (an emergency removal) never waits.
    let recorded = false;
    if (prepared.outcome.exposure?.widens && this.deps.record) {
      if (!(await this.recordFirst(result(prepared.outcome)))) return this.settle(result(auditRefusal(prepared.outcome)));
      recorded = true;
    }
    this.commit(prepared);
    return this.settle(result(prepared.outcome), { recorded });
  }

  /**
   * Validates, compiles, diffs and canaries this config text against the policy in force; swaps nothing in.
   * outcome.result says applied when the candidate is ready to commit.
   */
  async prepare(text: string): Promise<PreparedReload> {
    const old = this.deps.current();
    const checked = checkCandidate(text, { file: this.deps.file, startedWith: this.deps.startedWith, old: old.policy, log: this.deps.log });
    if ('done' in checked) return checked.done;
    const { next, fingerprint, exposure, issues, restartNeeded } = checked;
    const candidate = this.deps.build(next);
    let canary: CanaryResult | undefined;
    if (this.deps.canary) {
      canary = await this.deps.canary.run(candidate, 'reload');
      if (!canary.ok)
        return {
          outcome: { result: 'refused', to: next.version, stage: 'canary', reason: 'the canary failed against the new policy', exposure, canary, restartNeeded },
          candidate: undefined,
          fingerprint: undefined,
        };
    }
    return { outcome: { result: 'applied', to: next.version, exposure, canary, issues, restartNeeded }, candidate, fingerprint };
  }

  /** Puts a prepared candidate in force. Requests already running keep the pipeline they read; new ones get this. */
  commit(prepared: PreparedReload): void {
    if (prepared.candidate) this.deps.swap(prepared.candidate);
  }

  /** Records an outcome in the audit now; false when it could not be committed (a widening change is then refused). */
  async recordFirst(r: ReloadResult): Promise<boolean> {
    if (!this.deps.record) return true;
    let tell: LateOutcome = () => undefined;
    const fate = new Promise<LandedRecord | undefined>((resolve) => (tell = resolve));
    const ok = await this.deps.record(r, { late: (landed) => tell(landed) });
    if (!ok) this.undecided = { key: reloadKey(r), fate };
    return ok;
  }

  /**
   * A result's audit event. The refusal of a reload whose "applied" record was not committed in time waits for that
   * commit's fate: recorded as refused when it did not land; when it landed after all, as `abandoned`, naming it —
   * never a bare "refused" after an "applied" the reader cannot tell apart from a reload that served.
   */
  private recordAfter(r: ReloadResult): void {
    const first = this.undecided;
    if (first && r.result === 'refused' && first.key === reloadKey(r)) {
      this.undecided = undefined;
      void first.fate.then((landed) => this.deps.record?.(r, { abandons: landed }));
      return;
    }
    void this.deps.record?.(r);
  }

  /**
   * Counts, keeps, logs and alerts a reload's result. `recorded`: its audit event is already committed;
   * `record: false`: another process records it (a --workers cluster writes one event per reload);
   * `counted`: a --workers primary counts and alerts every cluster reload, once (cluster-reload.ts): this worker
   * keeps, logs and records it and lists a refusal in GET /alerts, and counts and sends nothing (not one count and
   * one webhook per worker).
   */
  settle(r: ReloadResult, o: { recorded?: boolean; record?: boolean; counted?: boolean } = {}): ReloadResult {
    if (!o.recorded && o.record !== false) this.recordAfter(r);
    this.history.push(r);
    if (this.history.length > 20) this.history.shift();
    const fields = { trigger: r.trigger, result: r.result, from: r.from, to: r.to, durationMs: r.durationMs, stage: r.stage, file: r.file, workers: r.workers };
    if (r.restartNeeded?.length) this.deps.log.warn('policy reload: these sections changed but need a restart to apply', { sections: r.restartNeeded });
    if (r.result === 'refused') this.deps.log.error('policy reload refused; the previous policy keeps serving', { ...fields, reason: r.reason, issues: r.issues });
    else this.deps.log.info(r.result === 'applied' ? 'policy reloaded' : 'policy reload: nothing changed', fields);
    if (o.counted) noteCountedElsewhere(r, this.deps.alerts);
    else countAndAlert(r, this.counter, this.deps.alerts);
    return r;
  }
}

/** What checkCandidate found: a final outcome (refused, unchanged), or a compiled candidate to build and canary. */
export type CheckedCandidate =
  | { done: PreparedReload }
  | {
      next: CompiledPolicy;
      fingerprint: string | undefined;
      exposure: ExposureSummary;
      issues: string[] | undefined;
      restartNeeded: string[];
    };

/**
 * The checks of a reload that need no running pipeline: the text validates and lints, compiles (keys.file, a
 * partner's ca and a client's jwksFile read from disk), and its exposure diff against `old` (the policy in force)
 * is logged. A worker's prepare() runs them and then the canary; a --workers primary with no worker serving runs
 * them alone (node/reload-without-workers.ts), so both refuse exactly the same files.
 */
export function checkCandidate(text: string, o: { file: string; startedWith: Config; old: CompiledPolicy; log: Logger }): CheckedCandidate {
  const refused = (r: Omit<PreparedReload['outcome'], 'result'>): CheckedCandidate => ({
    done: { outcome: { result: 'refused', ...r }, candidate: undefined, fingerprint: undefined },
  });
  let loaded: LoadedConfig;
  try {
    loaded = parseConfig(text, o.file);
  } catch (err) {
    return { done: { outcome: readRefusal(err), candidate: undefined, fingerprint: undefined } };
  }
  const warnings = loaded.warnings.map(formatIssue);
  const restartNeeded = changedSections(o.startedWith, loaded.config);
  let next: CompiledPolicy;
  try {
    next = compilePolicy(loaded.config, loaded.file, loaded.lineOf);
  } catch (err) {
    const issues = err instanceof ConfigError ? err.issues.map(formatIssue) : undefined;
    return refused({ to: undefined, stage: 'compile', reason: (err as Error).message.split('\n')[0], issues, restartNeeded });
  }
  const fingerprint = next.materialFingerprint;
  const issues = warnings.length ? warnings : undefined;
  // The version hashes the partners and stripped headers; rotated keys (keys.file, a partner CA, client JWKS) change only the fingerprint.
  if (next.version === o.old.version && fingerprint === o.old.materialFingerprint)
    return { done: { outcome: { result: 'unchanged', to: next.version, issues, restartNeeded }, candidate: undefined, fingerprint } };
  const exposure = exposureSummary(o.old, next);
  const log = exposure.widens ? o.log.warn : o.log.info;
  log('policy reload: exposure diff', { from: o.old.version, to: next.version, widens: exposure.widens, summary: exposure.text, changes: exposure.lines });
  return { next, fingerprint, exposure, issues, restartNeeded };
}

/** Which reload a result is (the record written first and the refusal that follows it share both). */
function reloadKey(r: ReloadResult): string {
  return `${r.at}\0${r.to ?? ''}`;
}

/** A file that cannot be read or does not validate, as a refused outcome. */
export function readRefusal(err: unknown): PreparedReload['outcome'] & { result: 'refused' } {
  if (err instanceof ConfigError) return { result: 'refused', to: undefined, stage: 'validate', reason: 'the policy file does not validate', issues: err.issues.map(formatIssue) };
  if (err instanceof HedgeError) return { result: 'refused', to: undefined, stage: 'read', reason: err.message };
  return { result: 'refused', to: undefined, stage: 'read', reason: `cannot load the policy file (${(err as Error).name})` };
}

/** A widening change whose audit event could not be committed: refused, nothing swapped in. */
export function auditRefusal(o: PreparedReload['outcome']): PreparedReload['outcome'] {
  return { ...o, result: 'refused', stage: 'audit', reason: 'the change widens disclosure and its audit record could not be committed', issues: undefined };
}
