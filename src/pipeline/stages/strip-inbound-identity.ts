// Stage 1: never trust a client's identity headers. Every header of the
// catalogue, every header name any grant uses and the configured extras are
// removed, whatever their case, with "_" read as "-" and every duplicate.
// Refuses on error: forwarding a request whose spoofed headers may still be
// there is worse than failing it.
import { canonicalHeaderName } from '../../detect/header-catalogue.js';
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';

export function stripInboundIdentity(stripNames: ReadonlySet<string>): Stage {
  return {
    name: 'strip-inbound-identity',
    onError: 'refuse',
    onRequest(flow: Flow) {
      const h = flow.headers;
      let out: string[] | undefined;
      for (let i = 0; i < h.length; i += 2) {
        const canonical = canonicalHeaderName(h[i]!);
        if (stripNames.has(canonical)) {
          if (!out) out = h.slice(0, i);
          flow.stripped.push(canonical);
        } else if (out) out.push(h[i]!, h[i + 1]!);
      }
      if (out) flow.headers = out;
      return CONTINUE;
    },
  };
}
