// Reading the audit's consent records in the order they were recorded: the
// subscriber page's `consent` events and the admin API's `number-reassigned`
// events, and the copies retention recorded anew of those that still applied
// when it purged the originals (consent-retention.ts). Each type is read
// through the store's (type, time, node, seq) index, page by page, and the two
// streams are merged in (time, node, seq) order — the order the report uses,
// and within one chain the order of its records. A copy takes the place of its
// original: copies are few (one per standing choice), so they are read whole
// and merged in by their original's position.
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { AuditRecord } from './record.js';
import type { AuditStore, ScanCursor } from './store.js';
import { compareRefs, type LedgerEvent, type RecordRef } from './consent-ledger.js';

export const CONSENT_TYPE = 'consent';
export const REASSIGNED_TYPE = 'number-reassigned';
/** A standing withdrawal recorded anew by retention before it purged the original. */
export const CONSENT_KEPT_TYPE = 'consent-kept';
/** A reassignment that still counts, recorded anew by retention before it purged the original. */
export const REASSIGNED_KEPT_TYPE = 'number-reassigned-kept';

const PAGE = 2000;
const END = 8.64e15;

/** The consent events in recorded order. `onRecord` is told of each record read (progress). */
export async function* consentEvents(store: AuditStore, onRecord?: () => void): AsyncGenerator<LedgerEvent> {
  const kept: LedgerEvent[] = [];
  for (const type of [CONSENT_KEPT_TYPE, REASSIGNED_KEPT_TYPE])
    for await (const r of scanAll(store, type)) {
      onRecord?.();
      kept.push(toEvent(r));
    }
  kept.sort((a, b) => compareRefs(a.from, b.from));
  let k = 0;
  for await (const r of merged(scanAll(store, CONSENT_TYPE), scanAll(store, REASSIGNED_TYPE))) {
    onRecord?.();
    const e = toEvent(r);
    while (k < kept.length && compareRefs(kept[k]!.from, e.from) <= 0) yield kept[k++]!;
    yield e;
  }
  while (k < kept.length) yield kept[k++]!;
}

async function* scanAll(store: AuditStore, type: string): AsyncGenerator<AuditRecord> {
  let cursor: ScanCursor | undefined;
  for (;;) {
    const page = await store.scan({ from: 0, to: END, type }, cursor, PAGE);
    yield* page;
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!;
    cursor = { time: last.time, node: last.node, seq: last.seq };
  }
}

/** Two streams in (time, node, seq) order, merged in that order. */
async function* merged(a: AsyncGenerator<AuditRecord>, b: AsyncGenerator<AuditRecord>): AsyncGenerator<AuditRecord> {
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && compareRefs(x.value, y.value) <= 0)) {
      yield x.value!;
      x = await a.next();
    } else {
      yield y.value;
      y = await b.next();
    }
  }
}

/**
 * One record as a ledger event. A record this cannot read (no subject, no
 * partner, an unknown choice, a time that is not one) is refused, not
 * skipped: skipping a withdrawal would send its partner the subscriber's
 * identity again. Hedge writes these records itself, so one it cannot read is
 * a bug or an alteration: `hedge audit verify` says which.
 */
function toEvent(r: AuditRecord): LedgerEvent {
  const holding: RecordRef = { node: r.node, seq: r.seq, time: r.time };
  const bad = (what: string) =>
    new HedgeError(ErrorCodes.AUDIT_TAMPERED, `audit record ${r.node}#${r.seq} (${r.type}) cannot be read as a consent record: ${what}; run "hedge audit verify"`);
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(r.detail) as Record<string, unknown>;
  } catch {
    throw bad('its detail is not JSON');
  }
  if (r.subjectRef === null || r.subjectSealed === null) throw bad('it names no subscriber');
  const kept = r.type === CONSENT_KEPT_TYPE || r.type === REASSIGNED_KEPT_TYPE;
  const from = kept ? refOf(d.from) : holding;
  if (!from) throw bad('it does not say which record it keeps');
  const subject = { subjectRef: r.subjectRef, subjectSealed: r.subjectSealed };
  if (r.type === CONSENT_TYPE || r.type === CONSENT_KEPT_TYPE) {
    if (r.partner === null) throw bad('it names no partner');
    if (d.choice !== 'given' && d.choice !== 'withdrawn') throw bad('its choice is neither given nor withdrawn');
    const legalBasis = typeof d.legalBasis === 'string' ? d.legalBasis : undefined;
    return { kind: 'choice', ...subject, partner: r.partner, withdrawn: d.choice === 'withdrawn', legalBasis, from, holding };
  }
  const at = typeof d.at === 'string' ? Date.parse(d.at) : NaN;
  if (!Number.isFinite(at)) throw bad('its time of reassignment is not a time');
  return { kind: 'reassigned', ...subject, at, from, holding };
}

function refOf(v: unknown): RecordRef | undefined {
  const o = v as Partial<RecordRef> | null;
  if (typeof o !== 'object' || o === null) return undefined;
  if (typeof o.node !== 'string' || !Number.isSafeInteger(o.seq) || !Number.isSafeInteger(o.time)) return undefined;
  return { node: o.node, seq: o.seq!, time: o.time! };
}
