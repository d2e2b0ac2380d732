// Stage: a partner marked `tls: required` is always reached over HTTPS, even
// when the phone asked for http:// — enriched headers must not cross the
// network in cleartext after the gateway. The phone side is unchanged; the
// upstream verifies the partner's certificate (against the partner's `ca:`
// for labs). Port 80 becomes 443; an explicit other port is kept.
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';

export function partnerTls(): Stage {
  return {
    name: 'partner-tls',
    // A failure here must not send a TLS-required partner's traffic in cleartext: refuse.
    onError: 'refuse',
    onRequest(flow: Flow) {
      const p = flow.partner;
      // Upgrade handshakes (websockets) run the pipeline with enrichment disabled and are relayed as raw
      // bytes: they carry no identity and keep the phone's transport.
      if (p === undefined || p.tls !== 'required' || flow.target.scheme === 'https' || flow.enrichmentDisabled) return CONTINUE;
      flow.target.scheme = 'https';
      if (flow.target.port === 80) flow.target.port = 443;
      return CONTINUE;
    },
  };
}
