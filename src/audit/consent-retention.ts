// Retention must not make a withdrawal forgotten. A gateway with the memory
// consent store reads every choice back from the audit at start
// (consent-replay.ts), so purging the record of a withdrawal that still
// applies would, at the next restart, send the partner the subscriber's
// identity again. Keeping consent records out of the purge is not possible as
// such: a purge removes a chain's oldest records up to a signed anchor, and a
// record left below it would no longer be covered by the chain. So:
//
// - the gateway's retention records anew, in its own chain, each choice that
//   still stands and is about to be purged — the latest choice per
//   (subscriber, partner) when it is a withdrawal or objection the number's
//   holder has not lost by a reassignment, and the reassignments that still
//   count — as `consent-kept` / `number-reassigned-kept` records naming the
//   original (its node, seq and time: when the choice was made) and carrying
//   the subscriber as the original did (reference and sealed number, never
//   opened). Only then does it purge. Choices that no longer apply (given
//   again, or made by a previous holder) go with their chain, as every other
//   record does: data minimisation;
// - whatever purges without recording anew (`hedge audit purge`, which has no
//   chain of its own to write to, or a gateway whose copies did not commit)
//   stops each chain's purge before its first record that still carries a
//   standing choice (`keepFrom`), and says so.
import type { AuditEvent } from './audit-log.js';
import type { AuditStore } from './store.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { ConsentLedger, type RecordRef } from './consent-ledger.js';
import { consentEvents, CONSENT_KEPT_TYPE, REASSIGNED_KEPT_TYPE } from './consent-events.js';

/** The standing choices whose record in the store is older than `before` (a purge before it would remove them). */
async function standingBefore(store: AuditStore, before: number): Promise<{ events: AuditEvent[]; holding: RecordRef[] }[]> {
  const ledger = new ConsentLedger();
  for await (const e of consentEvents(store)) ledger.apply(e);
  const out: { events: AuditEvent[]; holding: RecordRef[] }[] = [];
  for (const s of ledger.subjects.values()) {
    const storedSubject = { ref: s.subjectRef, sealed: s.subjectSealed };
    const events: AuditEvent[] = [];
    const holding: RecordRef[] = [];
    for (const r of s.reassignments.values())
      if (r.holding.time < before) {
        holding.push(r.holding);
        events.push({ type: REASSIGNED_KEPT_TYPE, storedSubject, detail: { at: new Date(r.at).toISOString(), channel: 'retention', from: r.from } });
      }
    for (const w of s.withdrawals.values())
      if (w.holding.time < before) {
        holding.push(w.holding);
        events.push({
          type: CONSENT_KEPT_TYPE,
          partner: w.partner,
          storedSubject,
          detail: { choice: 'withdrawn', legalBasis: w.legalBasis, channel: 'retention', from: w.from },
        });
      }
    if (events.length) out.push({ events, holding });
  }
  return out;
}

/**
 * Records anew every standing choice a purge before `before` would remove
 * (through `record`, the gateway's own chain); the replay puts each copy
 * where its original was. Throws when one was not committed: the caller then
 * purges only up to `keepFrom`.
 */
export async function keepStandingConsent(store: AuditStore, before: number, record: (e: AuditEvent) => Promise<boolean>): Promise<number> {
  const events = (await standingBefore(store, before)).flatMap((x) => x.events);
  const done = await Promise.all(events.map((e) => record(e)));
  const failed = done.filter((ok) => !ok).length;
  if (failed) throw new HedgeError(ErrorCodes.AUDIT_UNAVAILABLE, `${failed} standing consent choice(s) could not be recorded anew before the purge`);
  return events.length;
}

/** Per chain, the first seq that still carries a standing choice older than `before`: a purge must stop before it. */
export async function keepFrom(store: AuditStore, before: number): Promise<Map<string, number>> {
  const keep = new Map<string, number>();
  for (const x of await standingBefore(store, before))
    for (const h of x.holding) {
      const at = keep.get(h.node);
      if (at === undefined || h.seq < at) keep.set(h.node, h.seq);
    }
  return keep;
}
