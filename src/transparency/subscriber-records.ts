// One subscriber's disclosures, from the audit, by their keyed reference only:
// the store's subject index answers it, no other subscriber's record is read
// and nothing is decrypted. Counted per partner and (attribute, form), with
// first and last times; bounded so a very long history cannot make a page
// visit expensive. Only records from `since` on: a number that changed hands
// shows its holder only their own records (the earlier ones stay in the audit).
import type { AuditStore, ScanCursor } from '../audit/store.js';

export interface PartnerHistory {
  partner: string;
  disclosures: number;
  first: string;
  last: string;
  /** "attribute/form" items that went out, as recorded. */
  items: string[];
}

export interface SubscriberHistory {
  partners: Map<string, PartnerHistory>;
  /** True when the bound was reached: the counts are a lower bound. */
  truncated: boolean;
}

/** Records of these types are disclosures to a partner (header enrichment and front-door answers). */
const TYPES = ['disclosure'];

export async function subscriberHistory(store: AuditStore, subjectRef: string, o: { since?: number | undefined; maxRecords?: number } = {}): Promise<SubscriberHistory> {
  const maxRecords = o.maxRecords ?? 20_000;
  const partners = new Map<string, PartnerHistory>();
  let seen = 0;
  for (const type of TYPES) {
    let cursor: ScanCursor | undefined;
    while (seen < maxRecords) {
      const page = await store.scan({ from: o.since ?? 0, to: Number.MAX_SAFE_INTEGER, type, subjectRef }, cursor, Math.min(1000, maxRecords - seen));
      if (page.length === 0) break;
      for (const r of page) {
        seen++;
        const id = r.partner ?? '';
        const t = new Date(r.time).toISOString();
        let h = partners.get(id);
        if (!h) partners.set(id, (h = { partner: id, disclosures: 0, first: t, last: t, items: [] }));
        h.disclosures++;
        if (t < h.first) h.first = t;
        if (t > h.last) h.last = t;
        for (const item of itemsOf(r.detail)) if (!h.items.includes(item)) h.items.push(item);
      }
      const last = page[page.length - 1]!;
      cursor = { time: last.time, node: last.node, seq: last.seq };
    }
  }
  return { partners, truncated: seen >= maxRecords };
}

function itemsOf(detail: string): string[] {
  try {
    const d = JSON.parse(detail) as { items?: { attribute?: string; form?: string }[] };
    return (d.items ?? []).map((i) => `${i.attribute}/${i.form}`);
  } catch {
    return [];
  }
}
