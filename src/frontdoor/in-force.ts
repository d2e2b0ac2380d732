// A front-door grant (a code, an access token) outlives the moment it was
// given: up to a code's and a token's lifetime. What allowed it must still hold
// when something is told on its strength, as the proxy checks on every request:
// the partner's agreement has not ended (`until:`) and the subscriber has not
// opted out of it (`optOut:`). The subscriber's own withdrawal on the
// transparency page is the consent stage's, which runs after this one.
import { CONTINUE, type Stage } from '../pipeline/stage.js';
import type { Flow } from '../pipeline/flow.js';
import { partnerActive } from '../policy/compile.js';

export function grantInForce(): Stage {
  return {
    name: 'grant-in-force',
    onError: 'no-enrichment',
    onRequest(flow: Flow) {
      const { partner, subscriber } = flow;
      if (!partner || !subscriber || !partnerActive(partner) || subscriber.optOut?.includes(partner.id)) flow.enrichmentDisabled = true;
      return CONTINUE;
    },
  };
}
