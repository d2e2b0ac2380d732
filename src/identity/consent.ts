// A subscriber's own choices about partners: consent withdrawn (legal basis
// "consent") or an objection (any other basis) — both mean "send this partner
// nothing about me". Keyed by the subscriber's number, not by an address, so a
// choice outlives every RADIUS session and address change. Stored next to the
// bindings (memory, or the same Redis), read on the request path only when a
// partner matched, and bounded in staleness like bindings: a choice made on
// one node applies on every node within subscribers.maxStaleMs.
//
// A number outlives its holder: operators give a number to someone else after
// a quarantine. The operator records when a number changed hands
// (`reassigned`); a choice made before that time was the previous holder's and
// stops applying (the new holder starts from the defaults), the subscriber
// page shows only records from that time on (`holderSince`), and the number's
// pseudonyms change with the holder (`read`: the request path gets the choices
// and the holder times in one read, under one staleness bound).
import { withReassignment, type HolderTimes } from './holder.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

/** What the request path needs of one number: the withdrawals and when it changed hands. */
export interface NumberRecord {
  /** Partner ids this subscriber has withdrawn from. */
  readonly withdrawn: ReadonlySet<string>;
  /** The reassignments recorded for the number; undefined when none was. */
  readonly holder: HolderTimes | undefined;
}

export interface ConsentStore {
  readonly kind: string;
  /** The number's choices and holder times in one read (sync when known locally). A store that cannot answer throws or rejects. */
  read(msisdn: string): NumberRecord | Promise<NumberRecord>;
  /** Partner ids this subscriber has withdrawn from (sync when known locally). */
  withdrawn(msisdn: string): ReadonlySet<string> | Promise<ReadonlySet<string>>;
  /** Records a choice durably before resolving: given = true gives consent (again), false withdraws it. The choice is stamped with the time it was made. */
  set(msisdn: string, partnerId: string, given: boolean): Promise<void>;
  /**
   * The number changed hands at `at` (ms since the epoch, not in the future):
   * every choice made before it is dropped, and `holderSince` answers the
   * latest such time recorded. Durable before resolving.
   */
  reassigned(msisdn: string, at: number): Promise<void>;
  /** When the current holder got this number (the latest reassignment recorded), or undefined when none was. */
  holderSince(msisdn: string): Promise<number | undefined>;
  close(): void | Promise<void>;
}

export const NONE: ReadonlySet<string> = new Set();

/** A number with no choice and no reassignment on record. */
export const EMPTY_RECORD: NumberRecord = { withdrawn: NONE, holder: undefined };

/** One subscriber's withdrawals: partner id → when it was made (ms). */
type Choices = Map<string, number>;

/**
 * The memory store's choices are not yet back from the audit (audit/consent-replay.ts):
 * it answers nothing, so every partner gets nothing (the request path fails closed
 * on a store that cannot answer) and the page takes no choice.
 */
export class ConsentNotReplayedError extends HedgeError {
  constructor() {
    super(ErrorCodes.CONSENT_NOT_REPLAYED, "the subscribers' consent choices have not been read back from the audit yet: no partner receives anything until they are");
  }
}

/**
 * The embedded store: one process (so `hedge start --workers N` refuses the
 * subscriber page with the memory store: config/workers.ts). It holds choices
 * only while the process runs; with an audit, the gateway creates it closed
 * (`awaitingReplay`) and reads every choice and reassignment back from the
 * audit before it serves (audit/consent-replay.ts), so a restart forgets no
 * withdrawal. Until then every read throws: no partner gets anything.
 */
export class MemoryConsentStore implements ConsentStore {
  readonly kind = 'memory';
  private readonly choices = new Map<string, Choices>();
  private readonly holders = new Map<string, HolderTimes>();
  /** A record per subscriber, rebuilt on every change: the request path reads it without allocating. */
  private readonly views = new Map<string, NumberRecord>();
  private closed: boolean;

  constructor(o: { awaitingReplay?: boolean } = {}) {
    this.closed = o.awaitingReplay ?? false;
  }

  /** False until the choices are read back from the audit (when the store was created awaiting that). */
  get ready(): boolean {
    return !this.closed;
  }

  read(msisdn: string): NumberRecord {
    if (this.closed) throw new ConsentNotReplayedError();
    return this.views.get(msisdn) ?? EMPTY_RECORD;
  }

  withdrawn(msisdn: string): ReadonlySet<string> {
    return this.read(msisdn).withdrawn;
  }

  async set(msisdn: string, partnerId: string, given: boolean): Promise<void> {
    if (this.closed) throw new ConsentNotReplayedError();
    if (given) this.give(msisdn, partnerId);
    else this.restoreWithdrawal(msisdn, partnerId, Date.now());
  }

  async reassigned(msisdn: string, at: number): Promise<void> {
    if (this.closed) throw new ConsentNotReplayedError();
    this.restoreReassignment(msisdn, at);
  }

  async holderSince(msisdn: string): Promise<number | undefined> {
    if (this.closed) throw new ConsentNotReplayedError();
    return this.holders.get(msisdn)?.latest;
  }

  /** A withdrawal made at `when` (ms), as the audit recorded it: the replay's way in, open or not. */
  restoreWithdrawal(msisdn: string, partnerId: string, when: number): void {
    let c = this.choices.get(msisdn);
    if (!c) this.choices.set(msisdn, (c = new Map()));
    c.set(partnerId, when);
    this.refresh(msisdn);
  }

  /** The number changed hands at `at`: choices made before it are dropped. The replay's way in, open or not. */
  restoreReassignment(msisdn: string, at: number): void {
    // Whole milliseconds, as the Redis store keeps them: the holder epoch keys pseudonyms.
    this.holders.set(msisdn, withReassignment(this.holders.get(msisdn), Math.floor(at)));
    const c = this.choices.get(msisdn);
    if (c) for (const [partner, when] of c) if (when < at) c.delete(partner);
    this.refresh(msisdn);
  }

  /** Forgets everything: a replay that failed half-way starts again from nothing. */
  clear(): void {
    this.choices.clear();
    this.holders.clear();
    this.views.clear();
  }

  /** The choices are back from the audit: the store answers from now on. */
  open(): void {
    this.closed = false;
  }

  private give(msisdn: string, partnerId: string): void {
    this.choices.get(msisdn)?.delete(partnerId);
    this.refresh(msisdn);
  }

  private refresh(msisdn: string): void {
    const c = this.choices.get(msisdn);
    if (c?.size === 0) this.choices.delete(msisdn);
    const holder = this.holders.get(msisdn);
    if (!c?.size && holder === undefined) this.views.delete(msisdn);
    else this.views.set(msisdn, { withdrawn: c?.size ? new Set(c.keys()) : NONE, holder });
  }

  close(): void {}
}

export function isMemoryConsentStore(s: ConsentStore): s is MemoryConsentStore {
  return s instanceof MemoryConsentStore;
}
