// Reading the subscribers' consent choices back from the audit into the memory
// consent store at start. The memory store holds them only while the process
// runs; without this, a restart (crash, upgrade) forgot every withdrawal and
// objection, and the partner received the subscriber's identity again, after
// the page had told them it receives nothing. The audit already has every
// choice (a `consent` event) and every reassignment (`number-reassigned`), so
// the gateway folds them in recorded order (consent-ledger.ts: the store's own
// rule, so a choice the previous holder of a number made does not bind the
// new holder) and restores what still stands. The number is opened from the
// sealed subject with the gateway's audit key, as `hedge audit report` does;
// it is never logged. The Redis store keeps choices itself and needs none of
// this.
import type { Logger } from '../shared/log.js';
import type { AuditKey } from './keys.js';
import type { AuditStore } from './store.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { ConsentLedger } from './consent-ledger.js';
import { consentEvents } from './consent-events.js';

/** Where the choices go: the memory consent store's replay entrances (identity/consent.ts). */
export interface ReplayTarget {
  restoreWithdrawal(msisdn: string, partnerId: string, when: number): void;
  restoreReassignment(msisdn: string, at: number): void;
  clear(): void;
}

export interface ReplayResult {
  records: number;
  withdrawals: number;
  reassignedNumbers: number;
  ms: number;
}

/** How often a long replay says how far it got. */
const PROGRESS_EVERY_MS = 5000;

/** Folds the audit's consent records (oldest first) and restores what stands into `target`. Throws when the store cannot be read. */
export async function replayConsentChoices(store: AuditStore, key: AuditKey, target: ReplayTarget, log: Logger): Promise<ReplayResult> {
  const started = Date.now();
  let records = 0;
  let told = started;
  const ledger = new ConsentLedger();
  for await (const e of consentEvents(store, () => records++)) {
    ledger.apply(e);
    if (Date.now() - told >= PROGRESS_EVERY_MS) {
      told = Date.now();
      log.info('reading consent choices back from the audit', { records, ms: told - started });
    }
  }
  target.clear();
  for (const s of ledger.subjects.values()) {
    const msisdn = numberOf(key, s.subjectSealed, s.subjectRef);
    // Reassignments first (the older one first): the withdrawals that stand were made after them, or the fold dropped them.
    if (s.holder?.before !== undefined) target.restoreReassignment(msisdn, s.holder.before);
    if (s.holder !== undefined) target.restoreReassignment(msisdn, s.holder.latest);
    for (const w of s.withdrawals.values()) target.restoreWithdrawal(msisdn, w.partner, w.when);
  }
  return { records, ...ledger.counts(), ms: Date.now() - started };
}

function numberOf(key: AuditKey, sealed: string, ref: string): string {
  const v = JSON.parse(key.open(sealed)) as { msisdn?: unknown };
  // The reference is the keyed hash of the number: a sealed value that does not match it was not written with this record.
  if (typeof v.msisdn !== 'string' || key.reference(v.msisdn) !== ref)
    throw new HedgeError(ErrorCodes.AUDIT_TAMPERED, 'a consent record\'s sealed number does not match its subscriber reference; run "hedge audit verify"');
  return v.msisdn;
}
