// Stage 2: who is behind the source address. The store may answer at once
// (memory, or the Redis store's bounded cache) or asynchronously (Redis). A
// store that fails — throws, rejects, times out — means "no subscriber and no
// enrichment" for this request (fail closed), never a failed request; the
// failure is reported through the hook (counted and alerted by the gateway).
import { CONTINUE, type Stage, type Verdict } from '../stage.js';
import type { Flow } from '../flow.js';
import type { BindingStore } from '../../identity/store.js';
import type { Subscriber } from '../../subscriber/subscriber.js';

export function identifySubscriber(store: BindingStore, onStoreError?: (err: unknown) => void): Stage {
  const failClosed = (flow: Flow, err: unknown): Verdict => {
    flow.subscriber = undefined; // the store did not say who this is
    flow.failClosed();
    onStoreError?.(err);
    return CONTINUE;
  };
  return {
    name: 'identify-subscriber',
    onError: 'no-enrichment',
    onRequest(flow: Flow): Verdict | Promise<Verdict> {
      let r: Subscriber | undefined | Promise<Subscriber | undefined>;
      try {
        r = store.lookup(flow.clientAddress);
      } catch (err) {
        return failClosed(flow, err);
      }
      if (r instanceof Promise)
        return r.then(
          (s: Subscriber | undefined) => {
            flow.subscriber = s;
            return CONTINUE;
          },
          (err: unknown) => failClosed(flow, err),
        );
      flow.subscriber = r;
      return CONTINUE;
    },
  };
}
