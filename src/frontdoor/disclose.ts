// Every front-door answer that tells a partner something about a subscriber
// is a disclosure: it is put on a Flow and passed through the pipeline's own
// record stage, so it is committed to the audit before the answer is sent.
// When the record cannot be committed, the record stage revokes it and the
// caller answers with an error instead (no disclosure without a record).
import type { CompiledPartner, CompiledPolicy } from '../policy/compile.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import type { AuditLog } from '../audit/audit-log.js';
import { Flow, type Target } from '../pipeline/flow.js';
import { record } from '../pipeline/stages/record.js';
import { runPipeline, type RunHooks } from '../pipeline/run.js';
import type { Stage } from '../pipeline/stage.js';
import type { ScopeDisclosure } from '../config/front-door-scopes.js';

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
}

export class Discloser {
  private readonly stages: readonly Stage[];

  constructor(
    audit: AuditLog | undefined,
    private readonly hooks: RunHooks,
  ) {
    this.stages = [record(audit)];
  }

  /** True once the disclosure is recorded (or no audit is configured); false: withheld, answer with an error. */
  async commit(d: FrontDoorDisclosure): Promise<boolean> {
    const flow = new Flow(d.requestId, d.clientAddress, 'POST', d.target, [], d.policy);
    flow.subscriber = d.subscriber;
    flow.partner = d.partner;
    // The value itself is never stored (the audit keeps attribute, form and scope); the flow needs one.
    flow.disclose({ partnerId: d.partner.id, attribute: d.what.attribute, form: d.what.form, header: d.scope, value: '-' });
    await runPipeline(this.stages, flow, this.hooks);
    return flow.disclosures.length > 0 && !flow.enrichmentDisabled;
  }
}
