// Stage 1: never trust a client's identity headers. Every header of the
// catalogue, every header name any grant uses and the configured extras are
// removed in every spelling a backend may fold into them — any case, any
// punctuation between the letters ("X_MSISDN", "x.msisdn", "X--MSISDN",
// "XMSISDN"; detect/header-spellings.ts) — and every duplicate. Refuses on
// error: forwarding a request whose spoofed headers may still be there is
// worse than failing it.
import { HeaderSpellings } from '../../detect/header-spellings.js';
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';

export function stripInboundIdentity(stripNames: ReadonlySet<string>): Stage {
  const spellings = new HeaderSpellings(stripNames);
  return {
    name: 'strip-inbound-identity',
    onError: 'refuse',
    onRequest(flow: Flow) {
      const h = flow.headers;
      let out: string[] | undefined;
      for (let i = 0; i < h.length; i += 2) {
        const listed = spellings.match(h[i]!);
        if (listed !== undefined) {
          if (!out) out = h.slice(0, i);
          flow.stripped.push(listed); // the listed name, never the client's spelling: a bounded label set
        } else if (out) out.push(h[i]!, h[i + 1]!);
      }
      if (out) flow.headers = out;
      // Spoofs the client hid by listing them in its Connection header: already dropped, counted all the same.
      for (const name of flow.listedByConnection) {
        const listed = spellings.match(name);
        if (listed !== undefined) flow.stripped.push(listed);
      }
      return CONTINUE;
    },
  };
}
