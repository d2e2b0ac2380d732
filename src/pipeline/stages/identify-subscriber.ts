// Stage 2: who is behind the source address. The store may answer at once
// (memory) or asynchronously (Redis); a failing store means "no subscriber"
// for this request (fail closed), never a failed request.
import { CONTINUE, type Stage, type Verdict } from '../stage.js';
import type { Flow } from '../flow.js';
import type { BindingStore } from '../../identity/store.js';
import type { Subscriber } from '../../identity/subscriber.js';

export function identifySubscriber(store: BindingStore): Stage {
  return {
    name: 'identify-subscriber',
    onError: 'no-enrichment',
    onRequest(flow: Flow): Verdict | Promise<Verdict> {
      const r = store.lookup(flow.clientAddress);
      if (r instanceof Promise)
        return r.then((s: Subscriber | undefined) => {
          flow.subscriber = s;
          return CONTINUE;
        });
      flow.subscriber = r;
      return CONTINUE;
    },
  };
}
