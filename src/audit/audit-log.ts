// The writer of one node's chain, with group commit. Records queue up and are
// committed together (every batchDelayMs or batchMaxRecords, one transaction,
// one fsync); the requests they cover are released only after that commit.
//
// When the store cannot commit (down, disk full, locked, too slow) the waiting
// requests are released *without* their disclosures (the caller revokes them),
// the store is left alone for retryAfterMs, and then probed again with the next
// record. The chain head is re-read from the store before the first commit
// after any failure, so a failed or half-known commit never forks the chain.
//
// What it re-reads must be this writer's own head, or the end of a batch of
// its own whose commit failed in a way that may still have stored it. Anything
// else means someone else changed the chain since this writer last wrote it —
// records after its last checkpoint altered, deleted or added by hand, or a
// second gateway writing under this node name — and this writer cannot vouch
// for what it would chain on to and then sign at its next checkpoint. It stops
// there: every disclosure is withheld, the audit-chain-altered alert is raised,
// and only a restart (after `hedge audit verify` and a look at the store)
// starts it again.
//
// At start it has no head of its own and takes the chain as stored. When the
// last stop was not clean (no shutdown checkpoint on the stored head: a crash),
// the records after the last checkpoint were covered by no signature while it
// was down. Before appending anything it then writes a `resume` record, signed
// in the same transaction by a checkpoint of kind `resume`, so that verify and
// the report name that range as taken as found instead of signed (restart.ts).
import type { Flow } from '../pipeline/flow.js';
import type { DisclosureRecorder } from '../pipeline/stages/record.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import type { Logger } from '../shared/log.js';
import { ErrorCodes } from '../shared/errors.js';
import { createPublicKey } from 'node:crypto';
import { keyedVerifier, type AuditKey, type SignatureVerifier, type Signer } from './keys.js';
import { RESUME_TYPE, type ResumeDetail } from './restart.js';
import { checkpointMessage, GENESIS, recordHash, type AuditRecord, type Checkpoint, type DisclosureDetail, type UnchainedRecord } from './record.js';
import type { AuditStore, ChainHead } from './store.js';
import type { AuditMetrics } from './metrics.js';
import type { CheckpointWitness } from './witness.js';
import { checkpointSignatureValid } from './verify.js';

export interface AuditLogOptions {
  store: AuditStore;
  node: string;
  key: AuditKey;
  signer: Signer;
  /** Checks the stored head's shutdown checkpoint at start (default: the signer's public key; the gateway passes every key of its key file, so a rotation is no unclean stop). */
  verifier?: SignatureVerifier | undefined;
  log: Logger;
  metrics?: AuditMetrics | undefined;
  batchDelayMs?: number;
  batchMaxRecords?: number;
  commitTimeoutMs?: number;
  retryAfterMs?: number;
  maxPending?: number;
  checkpointEveryRecords?: number;
  checkpointIntervalMs?: number;
  /** Also gets every checkpoint once the store committed it (audit.witness; never waited for). */
  witness?: CheckpointWitness | undefined;
  /** Called once when an outage starts (the gateway raises the audit-store-unavailable alert). */
  onUnavailable?: ((code: string) => void) | undefined;
  /** Called once when the stored chain is not where this writer left it (the gateway raises the audit-chain-altered alert). */
  onChainAltered?: ((at: { knownSeq: number; storedSeq: number }) => void) | undefined;
}

/** An event other capabilities record (guard hits, policy reloads, canary results, …). */
export interface AuditEvent {
  type: string;
  requestId?: string | undefined;
  partner?: string | undefined;
  host?: string | undefined;
  policyVersion?: string | undefined;
  /** The subscriber concerned, if any: stored as keyed reference + encrypted number. */
  subscriber?: Subscriber | undefined;
  /** Instead of `subscriber`: a subject as another record stored it (reference and sealed value), kept as is (retention's copies of standing consent choices). */
  storedSubject?: { ref: string; sealed: string } | undefined;
  clientAddress?: string | undefined;
  /** Anything else worth keeping; must hold no identifier values (use `subscriber`). */
  detail?: Record<string, unknown> | undefined;
}

/** Where a record landed in this writer's chain. */
export interface LandedRecord {
  seq: number;
  hash: string;
}

/** Told what became of a record whose commit was given up on: where it landed after all, or undefined (not stored). */
export type LateOutcome = (landed: LandedRecord | undefined) => void;

interface Pending {
  rec: UnchainedRecord;
  resolve?: (() => void) | undefined;
  reject?: ((err: Error) => void) | undefined;
  late?: LateOutcome | undefined;
}

type State = 'up' | 'down' | 'stalled' | 'altered';

export class AuditUnavailableError extends Error {
  readonly code = ErrorCodes.AUDIT_UNAVAILABLE;
  constructor(message: string) {
    super(message);
    this.name = 'AuditUnavailableError';
  }
}

/** The stored chain is not where this writer left it: it writes no more (see the top of this file). */
export class AuditChainAlteredError extends Error {
  readonly code = ErrorCodes.AUDIT_TAMPERED;
  constructor(knownSeq: number, storedSeq: number) {
    super(`the audit chain was changed since this writer last wrote it (its head: seq ${knownSeq}; stored: seq ${storedSeq})`);
    this.name = 'AuditChainAlteredError';
  }
}

/** How many batches of unknown outcome are remembered (a store that fails commit after commit keeps only the latest). */
const MAX_UNCERTAIN = 16;

export class AuditLog implements DisclosureRecorder {
  readonly node: string;
  readonly store: AuditStore;
  private readonly key: AuditKey;
  private readonly signer: Signer;
  private readonly verifier: SignatureVerifier;
  private readonly log: Logger;
  private readonly metrics: AuditMetrics | undefined;
  private readonly witness: CheckpointWitness | undefined;
  private readonly batchDelayMs: number;
  private readonly batchMax: number;
  private readonly commitTimeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly maxPending: number;
  private readonly checkpointEvery: number;
  private readonly checkpointIntervalMs: number;
  private readonly onChainAltered: AuditLogOptions['onChainAltered'];
  private readonly onUnavailable: ((code: string) => void) | undefined;

  private queue: Pending[] = [];
  private head: ChainHead | undefined;
  private headKnown = false;
  /** Ends of batches whose append failed but may have been stored (a connection lost after the commit was sent). */
  private readonly uncertain: ChainHead[] = [];
  /** Such batches with records whose writers wait to learn their fate (recordEvent's `late`): told at the next head read. */
  private undecided: { end: ChainHead; entries: { late: LateOutcome; rec: AuditRecord }[] }[] = [];
  private initialised = false;
  /** Whether the stored chain's last stop was looked at (and a resume record written when it was unclean). */
  private resumeChecked = false;
  /**
   * The checkpoint this chain last had — the store's newest at open, then each
   * one this writer committed — named as `prev` in the next periodic or
   * shutdown checkpoint, so the witness shows what each head continued from
   * (witness-check.ts: a chain cut back below a witnessed head shows even after
   * a purge removed the records). Undefined until the chain was read.
   */
  private prevCheckpoint: { seq: number; hash: string } | null | undefined;
  /** Whether the stored head was read once (the metrics then show it). */
  private headRead = false;
  private state: State = 'up';
  private retryAt = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly cpTimer: NodeJS.Timeout | undefined;
  private sinceCheckpoint = 0;
  private lastCheckpointAt = Date.now();
  private closed = false;
  private lastErrorCode: string | undefined;
  private readonly subjects = new WeakMap<Subscriber, { ip: string; ref: string; sealed: string }>();

  constructor(o: AuditLogOptions) {
    this.store = o.store;
    this.node = o.node;
    this.key = o.key;
    this.signer = o.signer;
    this.verifier = o.verifier ?? keyedVerifier(new Map([[o.signer.keyId, createPublicKey(o.signer.publicKeyPem)]]));
    this.log = o.log;
    this.metrics = o.metrics;
    this.witness = o.witness;
    this.batchDelayMs = o.batchDelayMs ?? 0;
    this.batchMax = o.batchMaxRecords ?? 256;
    this.commitTimeoutMs = o.commitTimeoutMs ?? 1000;
    this.retryAfterMs = o.retryAfterMs ?? 1000;
    this.maxPending = o.maxPending ?? 10_000;
    this.checkpointEvery = o.checkpointEveryRecords ?? 10_000;
    this.checkpointIntervalMs = o.checkpointIntervalMs ?? 60_000;
    this.onUnavailable = o.onUnavailable;
    this.onChainAltered = o.onChainAltered;
    if (this.metrics) {
      this.metrics.pendingSource = () => this.queue.length;
      this.metrics.headSource = () => (this.headRead ? { node: this.node, seq: this.head?.seq ?? 0 } : undefined);
    }
    if (this.checkpointIntervalMs > 0) {
      this.cpTimer = setInterval(() => void this.checkpointIfDue(), Math.min(this.checkpointIntervalMs, 60_000));
      this.cpTimer.unref();
    }
  }

  /** Prepares the store and reads the chain head. A store that is down now is retried later (disclosures are withheld meanwhile). */
  async open(): Promise<void> {
    try {
      await this.prepare();
    } catch (err) {
      this.markDown(err);
    }
  }

  private async prepare(): Promise<void> {
    if (!this.initialised) {
      await this.store.init();
      this.initialised = true;
    }
    if (!this.headKnown) {
      const stored = await this.store.head(this.node);
      // At open this writer has no head of its own yet: it takes the chain as stored (signed at clean shutdown; else see resume).
      if (this.head !== undefined && !this.isOwn(stored)) throw this.altered(stored);
      // A resume record whose append failed but landed is this writer's own: not a second unclean stop.
      if (this.head !== undefined && this.uncertain.some((h) => stored !== undefined && h.seq === stored.seq && h.hash === stored.hash)) this.resumeChecked = true;
      // The stored head says which failed batch landed after all (only the last could have: the head was read again before each).
      // The store answered: writers told below may record at once (readHeadLater's timer can fire a moment before retryAt,
      // which would otherwise drop what they record).
      if (this.undecided.length > 0 && this.state === 'down') this.state = 'up';
      for (const u of this.undecided.splice(0)) {
        const landed = stored !== undefined && u.end.seq === stored.seq && u.end.hash === stored.hash;
        for (const e of u.entries) e.late(landed ? { seq: e.rec.seq, hash: e.rec.hash } : undefined);
      }
      this.head = stored;
      this.uncertain.length = 0;
      if (!this.resumeChecked) {
        // What this run found, before it writes: below what an earlier run reached means the chain was cut back.
        this.metrics?.found(this.node, stored?.seq ?? 0);
        this.headRead = true;
        const top = (await this.store.lastCheckpoints(this.node)).filter((c) => checkpointSignatureValid(c, this.verifier));
        this.prevCheckpoint = top[0] ? { seq: top[0].seq, hash: top[0].hash } : null;
        await this.resumeIfUnclean(top);
        this.resumeChecked = true;
      }
      this.headKnown = true;
    }
  }

  /**
   * After an unclean stop: appends the `resume` record (what was found: the
   * head, the last checkpoint, the unsigned range between) and its signed
   * `resume` checkpoint in one transaction, before anything else. A clean stop
   * left a shutdown checkpoint with a valid signature on the stored head (or
   * retention's purge anchor is the head).
   */
  private async resumeIfUnclean(top: readonly Checkpoint[]): Promise<void> {
    const head = this.head;
    if (head === undefined) return; // a new chain: nothing to vouch for
    if (top.some((c) => c.seq === head.seq && c.hash === head.hash && (c.kind === 'shutdown' || c.kind === 'purge'))) return;
    const lastCheckpointSeq = top[0]?.seq ?? null;
    const detail: ResumeDetail = { found: { seq: head.seq, hash: head.hash }, lastCheckpointSeq, unsigned: { from: (lastCheckpointSeq ?? 0) + 1, through: head.seq } };
    const [rec] = this.chain([
      {
        rec: {
          time: Date.now(),
          type: RESUME_TYPE,
          requestId: null,
          partner: null,
          host: null,
          policyVersion: null,
          subjectRef: null,
          subjectSealed: null,
          detail: JSON.stringify(detail),
        },
      },
    ]);
    const cp = this.checkpointFor(rec!, 'resume', JSON.stringify(detail));
    const started = performance.now();
    try {
      await this.store.append([rec!], cp);
    } catch (err) {
      if ((err as { code?: string }).code !== 'CHAIN_DISCONTINUITY') this.mayHaveLanded([rec!]);
      throw err;
    }
    this.metrics?.committed([rec!], (performance.now() - started) / 1000);
    this.head = { seq: rec!.seq, hash: rec!.hash };
    this.checkpointWritten(cp);
    const unsigned = Math.max(0, detail.unsigned.through - detail.unsigned.from + 1);
    // Sequence numbers only: no identifier.
    this.log.warn('audit chain resumed after an unclean stop: records no checkpoint covered were taken as found', {
      store: this.store.kind,
      unsigned,
      fromSeq: detail.unsigned.from,
      throughSeq: detail.unsigned.through,
      resumeSeq: rec!.seq,
    });
  }

  /** True while disclosures can be recorded (the store answered its last commit). */
  get available(): boolean {
    return this.state === 'up';
  }

  /**
   * Queues the record of a flow's disclosures. Returns a promise that settles
   * once the record is durably committed (rejects when it cannot be), or
   * `false` at once when the store is known to be unavailable.
   */
  recordDisclosure(flow: Flow, type: 'disclosure' | 'canary-disclosure' = 'disclosure'): Promise<void> | false {
    if (!this.accepting()) return false;
    const sub = flow.subscriber;
    const first = flow.disclosures[0]!;
    const subject = sub ? this.subject(sub, flow.clientAddress) : undefined;
    const detail: DisclosureDetail = {
      port: flow.target.port,
      items: flow.disclosures.map((d) => ({ attribute: d.attribute, form: d.form, header: d.header })),
      binding: sub?.source ?? null,
    };
    const rec: UnchainedRecord = {
      time: Date.now(),
      type,
      requestId: flow.id,
      partner: first.partnerId,
      host: flow.target.host,
      policyVersion: flow.policy.version,
      subjectRef: subject?.ref ?? null,
      subjectSealed: subject?.sealed ?? null,
      detail: JSON.stringify(detail),
    };
    return new Promise<void>((resolve, reject) => this.enqueue({ rec, resolve, reject }));
  }

  /**
   * Records an event (guard hit, policy reload, canary result, …) without
   * making anyone wait. The returned promise settles when it is committed or
   * dropped (dropped events are counted in hedge_audit_events_dropped_total);
   * it never rejects.
   *
   * `late`: for a writer that must not let its record say something it then
   * contradicts (a reload refused because its record was not committed in
   * time). Called once after the promise resolved false: with where the record
   * landed after all — a commit that outlived commitTimeoutMs, or failed in a
   * way that may have stored it, seen at the next head read — or undefined when
   * it was not stored. Not called while that stays unknown (a store that never
   * answers again).
   */
  recordEvent(e: AuditEvent, o: { late?: LateOutcome | undefined } = {}): Promise<boolean> {
    const subject = e.storedSubject ?? (e.subscriber ? this.subject(e.subscriber, e.clientAddress ?? '') : undefined);
    const rec: UnchainedRecord = {
      time: Date.now(),
      type: e.type,
      requestId: e.requestId ?? null,
      partner: e.partner ?? null,
      host: e.host ?? null,
      policyVersion: e.policyVersion ?? null,
      subjectRef: subject?.ref ?? null,
      subjectSealed: subject?.sealed ?? null,
      detail: JSON.stringify(e.detail ?? {}),
    };
    if (!this.accepting()) {
      this.metrics?.eventDropped(e.type);
      o.late?.(undefined);
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) =>
      this.enqueue({
        rec,
        late: o.late,
        resolve: () => resolve(true),
        reject: () => {
          this.metrics?.eventDropped(e.type);
          resolve(false);
        },
      }),
    );
  }

  /** Counts (and logs without values) a disclosure that was withheld because it could not be recorded. */
  withheld(flow: Flow): void {
    this.metrics?.unrecorded(flow.partner?.id ?? 'unknown');
  }

  private accepting(): boolean {
    if (this.closed) return false;
    if (this.state === 'stalled' || this.state === 'altered') return false;
    if (this.state === 'down') {
      if (Date.now() < this.retryAt) return false;
      this.state = 'up'; // probe: the next commit tries the store again
    }
    return this.queue.length < this.maxPending;
  }

  private subject(s: Subscriber, ip: string) {
    const hit = this.subjects.get(s);
    if (hit && hit.ip === ip) return hit;
    const v = { ip, ref: this.key.reference(s.msisdn), sealed: this.key.seal(JSON.stringify({ msisdn: s.msisdn, ip })) };
    this.subjects.set(s, v);
    return v;
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (this.inFlight) return; // flushed as soon as the commit in flight completes
    if (this.queue.length >= this.batchMax) {
      this.cancelTimer();
      this.flush();
    } else if (!this.timer) {
      const go = () => {
        this.timer = undefined;
        this.flush();
      };
      // 0: commit at the end of this event-loop turn; everything that arrives while that commit runs forms the next batch.
      this.timer = this.batchDelayMs > 0 ? setTimeout(go, this.batchDelayMs) : setImmediate(go);
    }
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if (this.batchDelayMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.length <= this.batchMax ? this.queue : this.queue.slice(0, this.batchMax);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.batchMax);
    this.inFlight = this.commit(batch).finally(() => {
      this.inFlight = undefined;
      if (this.queue.length) this.flush();
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    let settled = false;
    const stall = setTimeout(() => {
      if (settled) return;
      settled = true;
      // The commit may still land: then records exist for requests that went out unenriched — the safe direction.
      if (this.lastErrorCode === undefined) this.unavailable('TIMEOUT');
      this.state = 'stalled';
      this.lastErrorCode = 'TIMEOUT';
      this.metrics?.commitFailed();
      this.metrics?.storeUp(false);
      this.failAll(batch, new AuditUnavailableError('the audit store did not commit in time'));
    }, this.commitTimeoutMs);
    let records: AuditRecord[] | undefined;
    try {
      await this.prepare();
      records = this.chain(batch);
      const cp = this.dueCheckpoint(records.length) ? this.checkpointFor(records[records.length - 1]!, 'periodic', this.headDetail()) : undefined;
      const started = performance.now();
      await this.store.append(records, cp);
      this.metrics?.committed(records, (performance.now() - started) / 1000);
      const last = records[records.length - 1]!;
      this.head = { seq: last.seq, hash: last.hash };
      this.sinceCheckpoint += records.length;
      if (cp) this.checkpointWritten(cp);
      if (this.state !== 'up' || this.lastErrorCode) {
        this.log.info('audit store commits again; disclosures resume', { store: this.store.kind });
        this.lastErrorCode = undefined;
      }
      this.state = 'up';
      this.metrics?.storeUp(true);
      if (!settled) {
        settled = true;
        for (const p of batch) p.resolve?.();
      } else batch.forEach((p, i) => p.late?.({ seq: records![i]!.seq, hash: records![i]!.hash })); // landed after its bound gave up on it
    } catch (err) {
      // Refused as not continuing the stored chain: certainly not stored. Any other failure may have come after the commit.
      const maybe = records !== undefined && !(err instanceof Error && (err as { code?: string }).code === 'CHAIN_DISCONTINUITY');
      if (maybe) this.mayHaveLanded(records!, batch);
      else this.notStored(batch);
      this.markDown(err);
      if (!settled) {
        settled = true;
        this.failAll(batch, new AuditUnavailableError('the audit store cannot commit'));
      }
    } finally {
      clearTimeout(stall);
    }
  }

  private chain(batch: Pending[]): AuditRecord[] {
    let seq = this.head?.seq ?? 0;
    let prev = this.head?.hash ?? GENESIS;
    const out: AuditRecord[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const u = batch[i]!.rec;
      const r: AuditRecord = {
        node: this.node,
        seq: ++seq,
        time: u.time,
        type: u.type,
        requestId: u.requestId,
        partner: u.partner,
        host: u.host,
        policyVersion: u.policyVersion,
        subjectRef: u.subjectRef,
        subjectSealed: u.subjectSealed,
        detail: u.detail,
        prevHash: prev,
        hash: '',
      };
      r.hash = recordHash(r);
      prev = r.hash;
      out[i] = r;
    }
    return out;
  }

  private mayHaveLanded(records: readonly AuditRecord[], batch: readonly Pending[] = []): void {
    const last = records[records.length - 1]!;
    this.uncertain.push({ seq: last.seq, hash: last.hash });
    if (this.uncertain.length > MAX_UNCERTAIN) this.uncertain.shift();
    const entries = batch.flatMap((p, i) => (p.late ? [{ late: p.late, rec: records[i]! }] : []));
    if (entries.length) this.undecided = [...this.undecided.slice(1 - MAX_UNCERTAIN), { end: { seq: last.seq, hash: last.hash }, entries }];
  }

  /** Records that were certainly not stored: their writers waiting to learn their fate are told. */
  private notStored(list: readonly Pending[]): void {
    for (const p of list) p.late?.(undefined);
  }

  /** The stored head is this writer's: its own last head, or the end of a batch of its own that may have landed. */
  private isOwn(stored: ChainHead | undefined): boolean {
    const same = (h: ChainHead | undefined) => h !== undefined && stored !== undefined && h.seq === stored.seq && h.hash === stored.hash;
    return same(this.head) || this.uncertain.some(same);
  }

  private altered(stored: ChainHead | undefined): AuditChainAlteredError {
    const err = new AuditChainAlteredError(this.head?.seq ?? 0, stored?.seq ?? 0);
    if (this.state !== 'altered') {
      this.state = 'altered';
      const at = { knownSeq: this.head?.seq ?? 0, storedSeq: stored?.seq ?? 0 };
      if (this.onChainAltered) this.onChainAltered(at);
      else this.log.error('audit chain changed since this gateway last wrote it; disclosures withheld until a restart', { store: this.store.kind, ...at });
    }
    return err;
  }

  private markDown(err: unknown): void {
    if (this.state === 'altered') {
      // Stays so: no retry would make the chain this writer's again.
      this.metrics?.storeUp(false);
      const queued = this.queue;
      this.queue = [];
      this.failAll(queued, new AuditUnavailableError('the audit chain was changed by someone else; nothing more is recorded'));
      this.notStored(queued);
      return;
    }
    const code = (err as { code?: string })?.code ?? (err as Error)?.name ?? 'error';
    if (this.lastErrorCode === undefined) this.unavailable(code);
    this.lastErrorCode = code;
    this.state = 'down';
    this.retryAt = Date.now() + this.retryAfterMs;
    this.headKnown = false;
    this.metrics?.commitFailed();
    this.metrics?.storeUp(false);
    // Everything queued behind the failed commit fails with it: it would chain from records that do not exist.
    const queued = this.queue;
    this.queue = [];
    this.failAll(queued, new AuditUnavailableError('the audit store cannot commit'));
    this.notStored(queued);
    this.readHeadLater();
  }

  /**
   * Records whose fate waits for a head read (undecided) are told at the next commit's; on an idle gateway there
   * may be none for long, so the head is read on its own after retryAfterMs (again until the store answers).
   */
  private readHeadLater(): void {
    if (this.undecided.length === 0) return;
    setTimeout(() => {
      if (this.closed || this.undecided.length === 0) return;
      if (this.inFlight) return void this.inFlight.then(() => this.readHeadLater());
      // As a commit in flight: no commit reads or moves the head meanwhile.
      this.inFlight = this.prepare()
        .catch(() => this.readHeadLater())
        .finally(() => {
          this.inFlight = undefined;
          if (this.queue.length) this.flush();
        });
    }, this.retryAfterMs).unref();
  }

  private unavailable(code: string): void {
    if (this.onUnavailable) this.onUnavailable(code);
    else this.log.error('audit store cannot commit; disclosures withheld until it can', { store: this.store.kind, code });
  }

  private failAll(list: Pending[], err: Error): void {
    for (const p of list) p.reject?.(err);
  }

  private dueCheckpoint(adding: number): boolean {
    if (this.sinceCheckpoint + adding >= this.checkpointEvery) return true;
    return this.checkpointIntervalMs > 0 && Date.now() - this.lastCheckpointAt >= this.checkpointIntervalMs;
  }

  /** After the store committed `cp`: only a committed checkpoint goes to the witness (verify expects to find what it holds). */
  private checkpointWritten(cp: Checkpoint): void {
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = Date.now();
    this.metrics?.checkpoint();
    this.prevCheckpoint = { seq: cp.seq, hash: cp.hash };
    try {
      this.witness?.witness(cp);
    } catch {
      // Never: witness() only queues. Were it to throw, the commit it follows has landed and must stand.
    }
  }

  /** A periodic or shutdown checkpoint's detail: the checkpoint the chain continued from (null: none before it). */
  private headDetail(): string {
    return this.prevCheckpoint === undefined ? '{}' : JSON.stringify({ prev: this.prevCheckpoint });
  }

  private checkpointFor(head: ChainHead, kind: Checkpoint['kind'], detail = '{}'): Checkpoint {
    const base = { node: this.node, seq: head.seq, hash: head.hash, time: Date.now(), kind, detail };
    return { ...base, keyId: this.signer.keyId, signature: this.signer.sign(checkpointMessage(base)) };
  }

  /**
   * Signs the current head now (idle periods, shutdown). A periodic one is a
   * no-op when nothing is new since the last checkpoint; a shutdown one is
   * always written, as it is what tells the next start that this stop was clean.
   */
  async checkpoint(kind: 'periodic' | 'shutdown' = 'periodic'): Promise<void> {
    if (this.inFlight) await this.inFlight;
    if (!this.headKnown || !this.head || (this.sinceCheckpoint === 0 && kind !== 'shutdown')) return;
    const cp = this.checkpointFor(this.head, kind, this.headDetail());
    try {
      await this.store.addCheckpoint(cp);
      this.checkpointWritten(cp);
    } catch (err) {
      this.log.warn('audit checkpoint could not be written', { store: this.store.kind, code: (err as { code?: string }).code });
    }
  }

  private async checkpointIfDue(): Promise<void> {
    if (this.closed || this.state !== 'up') return;
    if (this.sinceCheckpoint > 0 && Date.now() - this.lastCheckpointAt >= this.checkpointIntervalMs) await this.checkpoint('periodic');
  }

  /** Signs a purge anchor for this node (retention). */
  signAnchor(head: ChainHead, detail: string): Checkpoint {
    return this.checkpointFor(head, 'purge', detail);
  }

  status() {
    return {
      node: this.node,
      store: this.store.kind,
      available: this.state === 'up',
      state: this.state,
      headSeq: this.head?.seq ?? 0,
      pending: this.queue.length,
      lastError: this.lastErrorCode ?? null,
    };
  }

  /** Commits what is queued, signs the head, closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelTimer();
    this.flush();
    while (this.inFlight) await this.inFlight;
    this.closed = true;
    if (this.cpTimer) clearInterval(this.cpTimer);
    if (this.state === 'up') await this.checkpoint('shutdown');
    await this.witness?.close();
    await this.store.close();
  }
}
