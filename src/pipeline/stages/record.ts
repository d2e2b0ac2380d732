// Stage 6: no disclosure without a record. A flow that discloses anything is
// held until its audit record is durably committed (group commit); when the
// record cannot be committed, the disclosures are revoked and the request goes
// out with no identity added (counted in hedge_audit_unrecorded_disclosures_total).
// Flows that disclose nothing pass straight through, synchronously. The
// canary's synthetic flows (from canary.source) are recorded as
// "canary-disclosure", so breach reports list only real subscribers.
import { CONTINUE, type Stage, type Verdict } from '../stage.js';
import type { Flow } from '../flow.js';

/** Where disclosures are recorded: the audit log (src/audit/audit-log.ts) implements it. */
export interface DisclosureRecorder {
  /** Resolves once the record is durably committed; false when it cannot be recorded now. */
  recordDisclosure(flow: Flow, type: 'disclosure' | 'canary-disclosure'): Promise<void> | false;
  /** The flow's disclosures were withheld because they could not be recorded. */
  withheld(flow: Flow): void;
}

export function record(audit: DisclosureRecorder | undefined, canarySource?: string): Stage {
  if (!audit)
    return {
      name: 'record',
      onError: 'no-enrichment',
      onRequest: () => CONTINUE, // no audit configured: disclosures are not recorded (docs/audit.md)
    };
  return {
    name: 'record',
    onError: 'no-enrichment',
    onRequest(flow: Flow): Verdict | Promise<Verdict> {
      if (flow.disclosures.length === 0) return CONTINUE;
      const committed = audit.recordDisclosure(flow, flow.clientAddress === canarySource ? 'canary-disclosure' : 'disclosure');
      if (committed === false) return withhold(audit, flow);
      return committed.then(
        () => CONTINUE,
        () => withhold(audit, flow),
      );
    },
  };
}

function withhold(audit: DisclosureRecorder, flow: Flow): Verdict {
  audit.withheld(flow);
  flow.failClosed();
  return CONTINUE;
}
