// Stage 3: the verified destination decides the partner. A destination that
// could not be verified (transparent mode, Host not matching the original
// destination) matches no partner, so nothing is disclosed to it.
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';
import type { HostIndex } from '../../policy/host-index.js';
import type { CompiledPartner } from '../../policy/compile.js';

export function matchPartner(hosts: HostIndex<CompiledPartner>): Stage {
  return {
    name: 'match-partner',
    onError: 'no-enrichment',
    onRequest(flow: Flow) {
      if (flow.destinationVerified) flow.partner = hosts.lookup(flow.target.host, flow.target.port);
      return CONTINUE;
    },
  };
}
