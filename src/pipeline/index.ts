// THE request path. This file is the only place the order of stages is
// decided; read it top to bottom to see what happens to every request.
import type { Stage } from './stage.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { BindingStore } from '../identity/store.js';
import { stripInboundIdentity } from './stages/strip-inbound-identity.js';
import { identifySubscriber } from './stages/identify-subscriber.js';
import { matchPartner } from './stages/match-partner.js';
import { enrich } from './stages/enrich.js';
import { partnerTls } from './stages/partner-tls.js';
import { signEnrichment } from './stages/sign.js';
import { egressGuard } from './stages/egress-guard.js';
import type { GuardHitSink } from './egress-hits.js';
import { enrichmentSwitch, type EnrichmentGate } from './stages/enrichment-switch.js';
import { record, type DisclosureRecorder } from './stages/record.js';
import { consent, type ConsentLookup } from './stages/consent.js';

export interface PipelineDeps {
  policy: CompiledPolicy;
  bindings: BindingStore;
  /** A binding lookup failed (the flow continues unenriched): count and alert. */
  onBindingStoreError?: (err: unknown) => void;
  /** Where the egress guard reports what it removed (metrics, log, alert). */
  guardHits: GuardHitSink;
  /** The switch the canary turns off on failure (canary.onFailure: disable-enrichment), and the canary's own address it exempts. */
  enrichment?: EnrichmentGate;
  canarySource?: string | undefined;
  /** Subscribers' withdrawals of consent and objections, per partner (the transparency page sets them). */
  consent?: ConsentLookup | undefined;
  /** The disclosure audit; undefined when no `audit:` section is configured. */
  audit?: DisclosureRecorder | undefined;
}

export interface Pipeline {
  readonly policy: CompiledPolicy;
  readonly stages: readonly Stage[];
}

export function buildPipeline(deps: PipelineDeps): Pipeline {
  const stages: Stage[] = [
    stripInboundIdentity(deps.policy.stripNames), // 1 never trust a client's identity headers
    identifySubscriber(deps.bindings, deps.onBindingStoreError), // 2 source IP → binding (fails closed)
    matchPartner(deps.policy.hosts), //               3 verified destination → partner
    partnerTls(), //                                  3b tls: required → HTTPS to the partner
    ...(deps.enrichment ? [enrichmentSwitch(deps.enrichment, deps.canarySource)] : []), // 3c canary may switch enrichment off
    ...(deps.consent ? [consent(deps.consent)] : []), // 3d the subscriber withdrew consent from (or objected to) this partner
    enrich(), //                                      4 grants → headers
    signEnrichment(deps.policy.material?.signing, deps.policy.signatureHeader), // 4b RFC 9421 (or hedge-v1) signature over what was enriched
    egressGuard({ onHits: deps.guardHits }), //       5 the second lock
    record(deps.audit, deps.canarySource), //        6 disclosures → audit, committed before the request leaves
  ];
  return { policy: deps.policy, stages };
}
