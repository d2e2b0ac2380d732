// Stage 3d: the subscriber's own choice. A subscriber who withdrew consent
// from (or objected to) the matched partner on their transparency page gets
// nothing sent to it. Runs only when a bound subscriber meets a partner, so
// other traffic pays nothing; a store that cannot answer fails closed (no
// enrichment for this flow).
import { CONTINUE, type Stage, type Verdict } from '../stage.js';
import type { Flow } from '../flow.js';

/** What the stage needs of the consent store (identity/consent.ts implements it). */
export interface ConsentLookup {
  withdrawn(msisdn: string): ReadonlySet<string> | Promise<ReadonlySet<string>>;
}

export function consent(store: ConsentLookup): Stage {
  return {
    name: 'consent',
    onError: 'no-enrichment',
    onRequest(flow: Flow): Verdict | Promise<Verdict> {
      const { partner, subscriber } = flow;
      if (!partner || !subscriber || flow.enrichmentDisabled) return CONTINUE;
      const apply = (withdrawn: ReadonlySet<string>): Verdict => {
        if (withdrawn.has(partner.id)) flow.enrichmentDisabled = true;
        return CONTINUE;
      };
      const w = store.withdrawn(subscriber.msisdn);
      return w instanceof Promise ? w.then(apply) : apply(w);
    },
  };
}
