// Stage 3d: the subscriber's own record. A subscriber who withdrew consent
// from (or objected to) the matched partner on their transparency page gets
// nothing sent to it. The same read says when the number last changed hands
// (flow.holder): the enrich stage keys the number's pseudonyms by the holder,
// so a recycled number's new holder does not get the previous holder's. Runs
// only when a bound subscriber meets a partner, so other traffic pays nothing;
// a store that cannot answer fails closed (no enrichment for this flow, so no
// pseudonym either).
import { CONTINUE, type Stage, type Verdict } from '../stage.js';
import type { Flow } from '../flow.js';
import type { NumberRecord } from '../../identity/consent.js';

/** What the stage needs of the consent store (identity/consent.ts implements it). */
export interface ConsentLookup {
  read(msisdn: string): NumberRecord | Promise<NumberRecord>;
}

export function consent(store: ConsentLookup): Stage {
  return {
    name: 'consent',
    onError: 'no-enrichment',
    onRequest(flow: Flow): Verdict | Promise<Verdict> {
      const { partner, subscriber } = flow;
      if (!partner || !subscriber || flow.enrichmentDisabled) return CONTINUE;
      const apply = (r: NumberRecord): Verdict => {
        flow.holder = r.holder;
        if (r.withdrawn.has(partner.id)) flow.enrichmentDisabled = true;
        return CONTINUE;
      };
      const r = store.read(subscriber.msisdn);
      return r instanceof Promise ? r.then(apply) : apply(r);
    },
  };
}
