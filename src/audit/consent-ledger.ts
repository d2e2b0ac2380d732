// What the audit's consent records add up to: per subscriber (keyed
// reference), the withdrawals and objections that still apply and the times
// the number changed hands — the state the consent store would hold had it
// taken every choice the audit recorded, in that order. The fold is the memory
// store's own rule (identity/consent.ts): a withdrawal stands until consent is
// given again or the number changes hands after it was made; of the
// reassignments, the latest and the one before it count (identity/holder.ts).
//
// Each standing entry remembers two records: `from`, the original choice (its
// time is when the choice was made, which a later reassignment compares with),
// and `holding`, the record in the store that carries it now — the original,
// or the copy retention recorded anew before it purged the original
// (consent-retention.ts). Memory grows with what stands, not with the events.
import { withReassignment, type HolderTimes } from '../identity/holder.js';

/** A record's place: node, seq, and its time (ms). */
export interface RecordRef {
  node: string;
  seq: number;
  time: number;
}

export type LedgerEvent =
  | { kind: 'choice'; subjectRef: string; subjectSealed: string; partner: string; withdrawn: boolean; legalBasis: string | undefined; from: RecordRef; holding: RecordRef }
  | { kind: 'reassigned'; subjectRef: string; subjectSealed: string; at: number; from: RecordRef; holding: RecordRef };

export interface StandingWithdrawal {
  partner: string;
  /** When it was made (the original record's time). */
  when: number;
  legalBasis: string | undefined;
  from: RecordRef;
  holding: RecordRef;
}

export interface StandingReassignment {
  at: number;
  from: RecordRef;
  holding: RecordRef;
}

export interface StandingSubject {
  subjectRef: string;
  /** The number, sealed under the audit key, as the latest record of this subject carried it. */
  subjectSealed: string;
  withdrawals: Map<string, StandingWithdrawal>;
  holder: HolderTimes | undefined;
  /** The records of the reassignments `holder` names (latest and the one before). */
  reassignments: Map<number, StandingReassignment>;
}

/** Order of the original choices: time, then node, then seq (the order the audit's scans return). */
export function compareRefs(a: RecordRef, b: RecordRef): number {
  return a.time - b.time || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) || a.seq - b.seq;
}

export class ConsentLedger {
  readonly subjects = new Map<string, StandingSubject>();
  events = 0;

  /** Applies one event; events must come in the order of their `from` (compareRefs). */
  apply(e: LedgerEvent): void {
    this.events++;
    let s = this.subjects.get(e.subjectRef);
    if (!s) {
      if (e.kind === 'choice' && !e.withdrawn) return; // consent given on a clean slate changes nothing
      s = { subjectRef: e.subjectRef, subjectSealed: e.subjectSealed, withdrawals: new Map(), holder: undefined, reassignments: new Map() };
      this.subjects.set(e.subjectRef, s);
    }
    s.subjectSealed = e.subjectSealed;
    if (e.kind === 'choice') {
      if (!e.withdrawn) s.withdrawals.delete(e.partner);
      else {
        const had = s.withdrawals.get(e.partner);
        // The same choice met again (a copy retention recorded): keep the newer holding record.
        if (had && compareRefs(had.from, e.from) === 0) {
          if (e.holding.time > had.holding.time) had.holding = e.holding;
        } else s.withdrawals.set(e.partner, { partner: e.partner, when: e.from.time, legalBasis: e.legalBasis, from: e.from, holding: e.holding });
      }
    } else {
      const at = Math.floor(e.at);
      s.holder = withReassignment(s.holder, at);
      const had = s.reassignments.get(at);
      if (!had || e.holding.time > had.holding.time) s.reassignments.set(at, { at, from: had?.from ?? e.from, holding: e.holding });
      for (const t of s.reassignments.keys()) if (t !== s.holder.latest && t !== s.holder.before) s.reassignments.delete(t);
      for (const [partner, w] of s.withdrawals) if (w.when < e.at) s.withdrawals.delete(partner);
    }
    if (s.withdrawals.size === 0 && s.holder === undefined) this.subjects.delete(e.subjectRef);
  }

  /** How many withdrawals (and objections) stand, and how many numbers changed hands. */
  counts(): { withdrawals: number; reassignedNumbers: number } {
    let withdrawals = 0;
    let reassignedNumbers = 0;
    for (const s of this.subjects.values()) {
      withdrawals += s.withdrawals.size;
      if (s.holder) reassignedNumbers++;
    }
    return { withdrawals, reassignedNumbers };
  }
}
