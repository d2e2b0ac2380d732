// A front-door grant (a code, an access token) outlives the moment it was
// given: up to a code's and a token's lifetime. What allowed it must still hold
// when something is told on its strength, as the proxy checks on every request:
// the partner's agreement has not ended (`until:`) and the subscriber has not
// opted out of it (`optOut:`). The subscriber's own withdrawal on the
// transparency page is the consent stage's, which runs after this one.
//
// The optOut is read from the binding as it is now, not as it was at
// /authorize (the grant's copy, checked there already): an opt-out written
// since (admin API, a reload of static subscribers) must stop the grant. The
// binding of the grant's address counts when it still holds the same number;
// when the address has passed to someone else (or to no one), that binding
// says nothing about this subscriber and the grant's copy is all there is.
// A store that cannot answer fails the stage: the discloser answers
// "unavailable", never the answer.
import { CONTINUE, type Stage, type Verdict } from '../pipeline/stage.js';
import type { Flow } from '../pipeline/flow.js';
import type { BindingStore } from '../identity/store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { partnerActive } from '../policy/compile.js';

export function grantInForce(bindings?: BindingStore): Stage {
  return {
    name: 'grant-in-force',
    onError: 'no-enrichment',
    onRequest(flow: Flow): Verdict | Promise<Verdict> {
      const { partner, subscriber } = flow;
      if (!partner || !subscriber || !partnerActive(partner) || subscriber.optOut?.includes(partner.id)) {
        flow.enrichmentDisabled = true;
        return CONTINUE;
      }
      if (!bindings) return CONTINUE;
      const judge = (now: Subscriber | undefined): Verdict => {
        if (now?.msisdn === subscriber.msisdn && now.optOut?.includes(partner.id)) flow.enrichmentDisabled = true;
        return CONTINUE;
      };
      const now = bindings.lookup(flow.clientAddress);
      return now instanceof Promise ? now.then(judge) : judge(now);
    },
  };
}
