// Stage 3c: honours the enrichment switch (canary.onFailure: disable-enrichment).
// While the switch is off no flow is enriched — except the canary's own, from
// its dedicated loopback address, so the canary keeps testing what enrichment
// would do. One boolean read per request.
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';

/** What this stage reads: the canary's switch (src/canary/enrichment-switch.ts) implements it. */
export interface EnrichmentGate {
  readonly enabled: boolean;
}

export function enrichmentSwitch(sw: EnrichmentGate, canarySource: string | undefined): Stage {
  return {
    name: 'enrichment-switch',
    onError: 'no-enrichment',
    onRequest(flow: Flow) {
      if (!sw.enabled && flow.clientAddress !== canarySource) flow.enrichmentDisabled = true;
      return CONTINUE;
    },
  };
}
