// A --workers cluster's policy reload: in every worker or in none. Each worker
// used to read, validate and canary the file on its own, so a file written
// non-atomically or changed between two workers' reads, or a canary failing in
// one worker, left worker 1 serving the new policy and worker 2 the old, and
// POST /policy/reload told only the answering worker's result. Now the
// primary runs one two-phase reload:
//   1 it reads the file's bytes once (a regular file, bounded);
//   2 every worker prepares those bytes (validate, compile, diff, canary;
//     nothing swapped in) and answers ready or refused;
//   3 all ready, and all read the same key material: a change that widens
//     disclosure has its one audit event committed first (by one worker);
//   4 every worker commits (swaps in); otherwise every worker drops its
//     candidate. Every wait is bounded by reload.timeoutMs — the audit commit
//     of step 3 by the audit's own bound when that is longer, so the reload
//     follows what the audit recorded — : a worker that does not answer in
//     time, or exits, refuses the reload everywhere (stage cluster). One audit
//     event per reload of the cluster, written by one worker that serves (or,
//     while none does, by the next one that does). The primary counts every
//     result once, and alerts a refusal, when it is decided (`settled`).
// Reloads requested while one runs share the one that follows (shared/shared-run.ts).
import type { Worker } from 'node:cluster';
import { readConfigTextForReload } from '../config/yaml-source.js';
import { SharedRun } from '../shared/shared-run.js';
import type { Logger } from '../shared/log.js';
import type { PreparedAnswer, PrimaryToWorker, WorkerToPrimary } from '../cluster/protocol.js';
import type { PolicyInForce } from '../cluster/config-snapshot.js';
import type { Config } from '../config/schema.js';
import type { AloneCheck } from './reload-without-workers.js';
import { auditRefusal, readRefusal, type PreparedReload, type ReloadResult, type ReloadTrigger } from './reload.js';

export interface ClusterReloadDeps {
  file: string;
  /** reload.timeoutMs: the longest the primary waits for the workers at each step. */
  timeoutMs: number;
  /**
   * The longest the primary waits for a widening change's audit commit (at least timeoutMs). The worker's audit
   * bounds its own commits (audit.commitTimeoutMs): a shorter wait here refused reloads whose record then landed.
   */
  recordTimeoutMs?: number | undefined;
  log: Logger;
  /** Workers alive, in the order they were started. */
  live(): Worker[];
  send(w: Worker, m: PrimaryToWorker): void;
  /** The text every worker put in force: replacement workers start with it (cluster/config-snapshot.ts). */
  onApplied(text: string): void;
  /**
   * No worker serves (every one died, e.g. on a key file made unreadable): the primary checks the text itself
   * (node/reload-without-workers.ts) instead of refusing a reload that would bring the cluster back.
   */
  checkAlone?: ((text: string, inForce: PolicyInForce | undefined) => AloneCheck) | undefined;
  /** A reload applied (or found unchanged) while no worker serves: start the replacements now, their waits reset. */
  onRecovery?: (() => void) | undefined;
  /**
   * Every result of a cluster reload, once: the primary counts it, and alerts a refusal, when it is decided
   * (cluster-primary.ts, node/reload-events.ts) — whether or not a worker serves to hear it. The workers keep,
   * log and record it, list a refusal in GET /alerts, and count and send nothing (one count and one webhook per
   * reload of the cluster, not one per worker).
   */
  settled?: ((r: ReloadResult) => void) | undefined;
}

type Outcome = PreparedReload['outcome'];
/** Reload results kept for the next serving worker to record, at most. */
const MAX_UNRECORDED = 100;
type Slot<T> = { answer: T } | { missing: 'timeout' | 'exited' };

export class ClusterReload {
  private readonly runs = new SharedRun((trigger: ReloadTrigger) => this.attempt(trigger));
  private readonly ready = new Set<number>();
  private version = '';
  /** The key material digest in force (with version: what a replacement worker must read, cluster-primary.ts). */
  private fingerprint: string | undefined;
  private nextId = 1;
  /** Waiters for one answer of one worker, by `${reload id}:${kind}:${worker id}`. */
  private readonly waiting = new Map<string, (m: WorkerToPrimary) => void>();
  /** Called when a worker exits or becomes ready (waits re-check). */
  private readonly watchers = new Set<() => void>();
  private readonly exited = new Set<number>();
  /** Reload results no serving worker was there to record: the next worker that serves records them. */
  private readonly unrecorded: { id: number; result: ReloadResult }[] = [];

  constructor(private readonly deps: ClusterReloadDeps) {}

  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    return this.runs.request(trigger);
  }

  /** Resolves once no reload runs (a replacement worker is forked only then: it must start from the policy in force). */
  idle(): Promise<void> {
    return this.runs.idle();
  }

  /** The policy every worker serves (known once a worker has started): a replacement must start with it. */
  inForce(): PolicyInForce | undefined {
    return this.version ? { version: this.version, fingerprint: this.fingerprint } : undefined;
  }

  /** A worker message about reloads; false for any other. */
  onMessage(w: Worker, m: WorkerToPrimary): boolean {
    if (m.t === 'hedge:worker-ready') {
      this.ready.add(w.id);
      if (!this.version) {
        this.version = m.policyVersion;
        this.fingerprint = m.fingerprint;
      }
      // Counted and alerted by the primary when it was decided (settled): this worker records and keeps it only.
      const counted = this.deps.settled !== undefined;
      for (const u of this.unrecorded.splice(0))
        this.deps.send(w, { t: 'hedge:reload-finish', id: u.id, commit: false, record: true, counted, result: u.result as unknown as Record<string, unknown> });
      this.notify();
      return true;
    }
    if (m.t === 'hedge:reload-prepared' || m.t === 'hedge:reload-recorded') {
      this.waiting.get(`${m.id}:${m.t}:${w.id}`)?.(m);
      return true; // an answer nobody waits for any more (it came after the bound) is dropped
    }
    return false;
  }

  onExit(w: Worker): void {
    this.ready.delete(w.id);
    this.exited.add(w.id);
    this.notify();
  }

  /** The workers that serve (a scrape merges their metrics, cluster/cluster-metrics.ts). */
  servingWorkers(): Worker[] {
    return this.deps.live().filter((w) => this.serving(w));
  }

  /** Ready (its reload participant listens), and not gone. */
  private serving(w: Worker): boolean {
    return this.ready.has(w.id) && !w.isDead() && !this.exited.has(w.id);
  }

  private keepUnrecorded(id: number, result: ReloadResult): void {
    // Bounded: reloads refused while no worker serves for long (each SIGHUP one) must not grow the primary without end.
    if (this.unrecorded.length >= MAX_UNRECORDED) {
      this.unrecorded.shift();
      this.deps.log.error('policy reload: an audit event waiting for a serving worker was dropped (too many waiting)', { max: MAX_UNRECORDED });
    }
    this.unrecorded.push({ id, result });
    this.deps.log.warn('policy reload: no worker serves; its audit event is written by the next worker that does', { trigger: result.trigger, result: result.result });
  }

  private notify(): void {
    for (const f of this.watchers) f();
  }

  private async attempt(trigger: ReloadTrigger): Promise<ReloadResult> {
    const t0 = Date.now();
    const id = this.nextId++;
    const { file, timeoutMs, log } = this.deps;
    const base = { trigger, at: new Date(t0).toISOString(), file };
    let workers = this.deps.live();
    const finish = (o: Outcome & { from?: string }, o2: { commit?: boolean; recorded?: boolean; counts?: ReloadResult['workers'] } = {}): ReloadResult => {
      const r: ReloadResult = {
        ...base,
        from: this.version,
        ...o,
        workers: o2.counts ?? { count: workers.length, ready: 0, refused: 0, unanswered: 0 },
        durationMs: Date.now() - t0,
      };
      // Only workers that serve hear it: one still starting has no reload participant yet, and a message sent to it is lost.
      const alive = workers.filter((w) => this.serving(w));
      // One audit event per reload of the cluster (unless it is committed already): written by a worker that serves —
      // one of this reload's, else any (a refused reload's workers may all be starting) — or, with none, by the next one that does.
      let recorder: Worker | undefined;
      if (!o2.recorded) {
        recorder = alive[0] ?? (o2.commit ? undefined : this.deps.live().find((w) => this.serving(w)));
        if (recorder && !alive.includes(recorder)) alive.push(recorder);
        if (!recorder) this.keepUnrecorded(id, r);
      }
      // Counted (a refusal alerted) here, once for the cluster, now: also when no worker serves to hear it — the
      // webhook must not wait for a cluster that may not come back by itself.
      const counted = this.deps.settled !== undefined;
      for (const w of alive)
        this.deps.send(w, { t: 'hedge:reload-finish', id, commit: o2.commit === true, record: w === recorder, counted, result: r as unknown as Record<string, unknown> });
      this.deps.settled?.(r);
      if (r.result === 'refused')
        log.error('cluster policy reload refused; every worker keeps the previous policy', { trigger, stage: r.stage, reason: r.reason, workers: r.workers });
      else
        log.info(r.result === 'applied' ? 'cluster policy reload applied in every worker' : 'cluster policy reload: nothing changed', {
          trigger,
          from: r.from,
          to: r.to,
          workers: r.workers,
        });
      return r;
    };

    // A worker still starting has read the policy in force at its start; it must be serving before the cluster moves on.
    const starting = () => workers.filter((w) => !this.ready.has(w.id) && !w.isDead());
    if (starting().length > 0 && !(await this.until(() => starting().length === 0, t0 + timeoutMs))) {
      const names = starting().map((w) => w.id);
      return finish({
        result: 'refused',
        to: undefined,
        stage: 'cluster',
        reason: `worker(s) ${names.join(', ')} did not finish starting within ${timeoutMs} ms (reload.timeoutMs); reload again once they serve`,
      });
    }
    workers = this.deps.live().filter((w) => this.ready.has(w.id));
    if (workers.length === 0 && !this.deps.checkAlone) return finish({ result: 'refused', to: undefined, stage: 'cluster', reason: 'no worker is serving' });

    let text: string;
    try {
      text = readConfigTextForReload(file);
    } catch (err) {
      return finish(readRefusal(err));
    }
    if (workers.length === 0) return this.withoutWorkers(text, finish);

    const answers = await this.ask(id, 'hedge:reload-prepared', workers, (w) => this.deps.send(w, { t: 'hedge:reload-prepare', id, text }), timeoutMs);
    const prepared = answers.map(([w, s]) => [w, 'answer' in s ? (s.answer as { answer: PreparedAnswer }).answer : s.missing] as const);
    const ok = prepared.filter((p): p is readonly [Worker, PreparedAnswer] => typeof p[1] === 'object' && p[1].result !== 'refused');
    const refusedBy = prepared.filter((p): p is readonly [Worker, PreparedAnswer] => typeof p[1] === 'object' && p[1].result === 'refused');
    const exited = prepared.filter(([, a]) => a === 'exited').map(([w]) => w.id);
    const late = prepared.filter(([, a]) => a === 'timeout').map(([w]) => w.id);
    const counts = { count: workers.length, ready: ok.length, refused: refusedBy.length, unanswered: exited.length + late.length };
    const first = (ok[0] ?? refusedBy[0])?.[1];
    const from = first?.from ?? this.version;
    if (exited.length) return finish({ result: 'refused', from, to: first?.to, stage: 'cluster', reason: `worker(s) ${exited.join(', ')} exited during the reload` }, { counts });
    if (late.length)
      return finish(
        { result: 'refused', from, to: first?.to, stage: 'cluster', reason: `worker(s) ${late.join(', ')} did not answer within ${timeoutMs} ms (reload.timeoutMs)` },
        { counts },
      );
    const refusal = refusedBy[0];
    if (refusal) {
      const [w, a] = refusal;
      const outcome = answerOutcome(a);
      return finish({ ...outcome, from, reason: `worker ${w.id} of ${workers.length}: ${a.reason ?? 'refused'}` }, { counts });
    }
    // Same bytes, but each worker reads keys.file, a partner's ca and a client's jwksFile itself: one that changed between reads must not split the cluster.
    if (new Set(ok.map(([, a]) => `${a.to}|${a.fingerprint ?? ''}`)).size > 1)
      return finish(
        {
          result: 'refused',
          from,
          to: first?.to,
          stage: 'cluster',
          reason: 'the workers read different policies (a key file, a partner ca or a client jwksFile changed during the reload); reload again',
        },
        { counts },
      );
    const changed = ok.find(([, a]) => a.result === 'applied');
    if (!changed) return finish({ ...answerOutcome(ok[0]![1]), from }, { counts });

    const outcome = answerOutcome(changed[1]);
    let recorded = false;
    if (outcome.exposure?.widens) {
      // A widening change is in the audit before it takes any traffic: one event, written by the first worker.
      // Its answer decides the reload: waited for as long as the worker's audit may take to commit, since a
      // refusal after reload.timeoutMs left a record saying "applied" (it landed) and then one saying "refused".
      const recorder = workers[0]!;
      const pending: ReloadResult = { ...base, from, ...outcome, workers: counts, durationMs: Date.now() - t0 };
      const [[, s] = [recorder, { missing: 'timeout' as const }]] = await this.ask(
        id,
        'hedge:reload-recorded',
        [recorder],
        (w) => this.deps.send(w, { t: 'hedge:reload-record', id, result: pending as unknown as Record<string, unknown> }),
        Math.max(timeoutMs, this.deps.recordTimeoutMs ?? 0),
      );
      if (!('answer' in s) || !(s.answer as { ok: boolean }).ok) return finish({ ...auditRefusal(outcome), from }, { counts });
      recorded = true;
    }
    // Replacement workers start with it from now on; forks wait for this reload to end (cluster-primary.ts).
    // Kept first: a text the primary cannot keep would have replacements start from the previous policy.
    try {
      this.deps.onApplied(text);
    } catch (err) {
      const reason = `cannot keep the reloaded policy for replacement workers: ${(err as Error).message}; nothing applied`;
      return finish({ result: 'refused', from, to: outcome.to, stage: 'cluster', reason }, { counts });
    }
    this.version = outcome.to ?? this.version;
    this.fingerprint = changed[1].fingerprint;
    return finish({ ...outcome, from }, { commit: true, recorded, counts });
  }

  /**
   * No worker serves: the primary checks the text itself; applied (or unchanged: the files it names were put back),
   * replacements start with it now. Its audit event is written by the first replacement that serves; a change that
   * widens disclosure is refused (reload-without-workers.ts).
   */
  private withoutWorkers(text: string, finish: (o: Outcome & { from?: string }, o2?: { commit?: boolean }) => ReloadResult): ReloadResult {
    const from = this.version;
    const { outcome, fingerprint } = this.deps.checkAlone!(text, this.inForce());
    if (outcome.result === 'refused') return finish({ ...outcome, from });
    if (outcome.result === 'applied') {
      try {
        this.deps.onApplied(text);
      } catch (err) {
        return finish({
          result: 'refused',
          from,
          to: outcome.to,
          stage: 'cluster',
          reason: `cannot keep the reloaded policy for replacement workers: ${(err as Error).message}; nothing applied`,
        });
      }
      this.version = outcome.to ?? this.version;
      this.fingerprint = fingerprint;
    }
    this.deps.log.warn('no worker serves: the primary checked the reload itself; replacement workers start with it now', { result: outcome.result, to: outcome.to });
    this.deps.onRecovery?.();
    return finish({ ...outcome, from }, { commit: outcome.result === 'applied' });
  }

  /** Sends to each worker and waits for its answer of this kind, at most timeoutMs; a worker that exits meanwhile is missing. */
  private ask(id: number, kind: string, workers: Worker[], send: (w: Worker) => void, timeoutMs: number): Promise<[Worker, Slot<WorkerToPrimary>][]> {
    return Promise.all(
      workers.map(
        (w) =>
          new Promise<[Worker, Slot<WorkerToPrimary>]>((resolve) => {
            const key = `${id}:${kind}:${w.id}`;
            const done = (s: Slot<WorkerToPrimary>) => {
              clearTimeout(timer);
              this.waiting.delete(key);
              this.watchers.delete(onExit);
              resolve([w, s]);
            };
            const onExit = () => (w.isDead() || this.exited.has(w.id)) && done({ missing: 'exited' });
            const timer = setTimeout(() => done({ missing: 'timeout' }), timeoutMs);
            this.waiting.set(key, (m) => done({ answer: m }));
            this.watchers.add(onExit);
            send(w);
            onExit();
          }),
      ),
    );
  }

  /** Resolves true once `cond` holds (checked when a worker becomes ready or exits), false at the deadline. */
  private until(cond: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          this.watchers.delete(check);
          resolve(cond());
        },
        Math.max(0, deadline - Date.now()),
      );
      this.watchers.add(check);
      check();
    });
  }
}

/**
 * How long the primary waits for a widening reload's audit commit, beyond reload.timeoutMs: a worker's audit answers
 * within one commit in flight and its own, each bounded by audit.commitTimeoutMs. Undefined without an audit.
 */
export function auditRecordTimeoutMs(config: Config): number | undefined {
  return config.audit && 2 * config.audit.commitTimeoutMs + config.audit.batchDelayMs + 1000;
}

/** A worker's answer as the fields of the cluster's result (without what the primary sets). */
function answerOutcome(a: PreparedAnswer): Outcome {
  const { fingerprint: _f, from: _from, ...rest } = a;
  return rest as unknown as Outcome;
}
