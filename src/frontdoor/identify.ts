// Who is on the connection: the proxy's own identify-subscriber stage, run
// over a Flow built for the front-door request, so the front door recognises
// subscribers through the same binding store with the same fail-closed rules
// (a store that throws, rejects or times out means "no identity"); then the
// proxy's consent stage for the partner asking (a withdrawal or objection on
// the subscriber's own page refuses the flow, like a configured optOut).
import type { CompiledPolicy } from '../policy/compile.js';
import type { BindingStore } from '../identity/store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { Flow, type Target } from '../pipeline/flow.js';
import { identifySubscriber } from '../pipeline/stages/identify-subscriber.js';
import { consent, type ConsentLookup } from '../pipeline/stages/consent.js';
import type { CompiledPartner } from '../policy/compile.js';
import { runPipeline, type RunHooks } from '../pipeline/run.js';
import type { Stage } from '../pipeline/stage.js';

export type Identified = { kind: 'bound'; subscriber: Subscriber } | { kind: 'unbound' } | { kind: 'store-unavailable' } | { kind: 'opted-out' };

export class Identifier {
  private readonly identifyStages: readonly Stage[];
  private readonly consentStages: readonly Stage[];

  constructor(
    bindings: BindingStore,
    consents: ConsentLookup | undefined,
    onStoreError: (err: unknown) => void,
    private readonly hooks: RunHooks,
  ) {
    this.identifyStages = [identifySubscriber(bindings, onStoreError)];
    this.consentStages = consents ? [consent(consents)] : [];
  }

  async identify(id: string, clientAddress: string, target: Target, policy: CompiledPolicy, partner: CompiledPartner): Promise<Identified> {
    const flow = new Flow(id, clientAddress, 'GET', target, [], policy);
    await runPipeline(this.identifyStages, flow, this.hooks);
    if (flow.enrichmentDisabled) return { kind: 'store-unavailable' };
    const subscriber = flow.subscriber;
    if (!subscriber) return { kind: 'unbound' };
    if (subscriber.optOut?.includes(partner.id)) return { kind: 'opted-out' };
    flow.partner = partner;
    let failed = false;
    await runPipeline(this.consentStages, flow, {
      stageFailed: (stage, err) => {
        failed = true;
        this.hooks.stageFailed(stage, err);
      },
    });
    if (failed) return { kind: 'store-unavailable' }; // the consent store could not answer: fail closed
    if (flow.enrichmentDisabled) return { kind: 'opted-out' };
    return { kind: 'bound', subscriber };
  }
}
