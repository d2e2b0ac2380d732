// Every front-door answer that tells a partner something about a subscriber
// is a disclosure, and passes the pipeline's own stages at the moment it is
// made, not only when the grant behind it was given: the grant must still be
// in force (in-force.ts: the partner's `until:`, the subscriber's `optOut:` as
// the binding says now), the subscriber must not have withdrawn consent from
// the partner since (the consent stage), and the record stage commits it to
// the audit before the answer is sent. When the binding or consent store
// cannot answer or the record cannot be committed, the caller answers with an
// error instead (no disclosure without a check and a record). A value that
// depends on who holds the number (the ID token's pairwise `sub`) is computed
// from the holder times the consent check read, in the same read.
import type { CompiledPartner, CompiledPolicy } from '../policy/compile.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BindingStore } from '../identity/store.js';
import { Flow, type Target } from '../pipeline/flow.js';
import { record } from '../pipeline/stages/record.js';
import { consent, type ConsentLookup } from '../pipeline/stages/consent.js';
import { runPipeline, type RunHooks } from '../pipeline/run.js';
import type { Stage } from '../pipeline/stage.js';
import type { ScopeDisclosure } from '../config/front-door-scopes.js';
import { grantInForce } from './in-force.js';
import type { HolderTimes } from '../identity/holder.js';

export interface FrontDoorDisclosure {
  requestId: string;
  partner: CompiledPartner;
  subscriber: Subscriber;
  clientAddress: string;
  target: Target;
  /** The scope that allowed it (or ID_TOKEN_SUB): the audit stores it where a header grant stores the header name. */
  scope: string;
  what: ScopeDisclosure;
  policy: CompiledPolicy;
  /**
   * Computes the value disclosed once the checks passed, from the number's
   * holder times the consent check read; undefined means it cannot be given
   * (unavailable: nothing is recorded or sent).
   */
  value?: (holder: HolderTimes | undefined) => string | undefined;
}

/**
 * recorded: send the answer. refused: the grant is no longer in force or the
 * subscriber withdrew consent; nothing goes to the partner. unavailable: the
 * consent store or the audit could not answer; fail closed, try again later.
 */
export type Committed = 'recorded' | 'refused' | 'unavailable';

export class Discloser {
  private readonly checks: readonly Stage[];
  private readonly record: readonly Stage[];

  constructor(
    audit: AuditLog | undefined,
    consents: ConsentLookup | undefined,
    private readonly hooks: RunHooks,
    /** The binding store: a subscriber's optOut is read as it is at each disclosure (in-force.ts). */
    bindings?: BindingStore,
  ) {
    this.checks = consents ? [grantInForce(bindings), consent(consents)] : [grantInForce(bindings)];
    this.record = [record(audit)];
  }

  async commit(d: FrontDoorDisclosure): Promise<Committed> {
    const flow = new Flow(d.requestId, d.clientAddress, 'POST', d.target, [], d.policy);
    flow.subscriber = d.subscriber;
    flow.partner = d.partner;
    let failed = false;
    await runPipeline(this.checks, flow, {
      stageFailed: (stage, err) => {
        failed = true;
        this.hooks.stageFailed(stage, err);
      },
    });
    if (failed) return 'unavailable';
    if (flow.enrichmentDisabled) return 'refused';
    if (d.value && d.value(flow.holder) === undefined) return 'unavailable';
    // The value itself is never stored (the audit keeps attribute, form and scope); the flow needs one.
    flow.disclose({ partnerId: d.partner.id, attribute: d.what.attribute, form: d.what.form, header: d.scope, value: '-' });
    await runPipeline(this.record, flow, this.hooks);
    return flow.disclosures.length > 0 && !flow.enrichmentDisabled ? 'recorded' : 'unavailable';
  }
}
