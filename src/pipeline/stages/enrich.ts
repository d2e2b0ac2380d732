// Stage 4: grants → headers. Only for a bound subscriber at a matched partner
// the subscriber has not opted out of. Each added header is recorded as a
// disclosure on the flow; the guard and the audit read that list. Pseudonyms
// of the number are keyed by the holder in force now (flow.holder, read by the
// consent stage): a reassignment recorded for a later time applies from then.
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';
import { holderEpochAt } from '../../identity/holder.js';

export function enrich(): Stage {
  return {
    name: 'enrich',
    onError: 'no-enrichment',
    onRequest(flow: Flow) {
      const { partner, subscriber } = flow;
      if (!partner || !subscriber || flow.enrichmentDisabled) return CONTINUE;
      if (subscriber.optOut !== undefined && subscriber.optOut.includes(partner.id)) return CONTINUE;
      const now = Date.now();
      if (partner.until !== undefined && now >= partner.until) return CONTINUE; // past `until:`: inactive
      const iat = Math.floor(now / 1000);
      flow.issuedAt = iat;
      const ctx = { subscriber, clientAddress: flow.clientAddress, host: flow.target.host, iat, holderEpoch: holderEpochAt(flow.holder, now) };
      for (const g of partner.grants) {
        const value = g.value(ctx);
        if (value === undefined) continue;
        flow.disclose({ partnerId: partner.id, attribute: g.attribute, form: g.form, header: g.header, value });
      }
      return CONTINUE;
    },
  };
}
