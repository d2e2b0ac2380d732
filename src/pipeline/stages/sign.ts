// Stage: sign what was enriched, so a partner can prove the headers came from
// the operator's gateway — not from a client on WiFi that typed them — and
// were not replayed. Ed25519 over a canonical form (docs/partners.md):
//
//   hedge-signature-v1 \n kid \n METHOD \n host \n path \n t \n nonce \n partner
//   then one line per enriched header, in order:  \n name(lower case):value
//
// sent as   X-Hedge-Signature: v=1; kid=…; t=…; n=…; p=…; host=…; h=name,name; s=…
// (the partner kit, src/partner/, verifies it; canonical.ts there is the reference).
// The key is a KeyObject made at load; per request: one sign, a 16-byte nonce
// from the random pool, string building.
import { sign, type KeyObject } from 'node:crypto';
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';
import { randomSlice } from '../../policy/random-pool.js';
import { SIGNATURE_VERSION } from '../../partner/canonical.js';

export function signEnrichment(key: { kid: string; privateKey: KeyObject } | undefined, headerName: string): Stage {
  return {
    name: 'sign',
    // Without a signature the partner refuses the headers anyway; undo them and forward.
    onError: 'no-enrichment',
    onRequest(flow: Flow) {
      const d = flow.disclosures;
      if (d.length === 0 || flow.enrichmentDisabled || flow.partner?.signature === 'off') return CONTINUE;
      if (!key) throw new Error('no signing key loaded');
      const nonce = randomSlice(16).toString('base64url');
      const t = flow.target;
      const partner = d[0]!.partnerId;
      let names = '';
      let lines = '';
      for (let i = 0; i < d.length; i++) {
        const name = d[i]!.header.toLowerCase();
        names += i === 0 ? name : ',' + name;
        lines += '\n' + name + ':' + d[i]!.value;
      }
      const t0 = flow.issuedAt || Math.floor(Date.now() / 1000);
      const canonical = `${SIGNATURE_VERSION}\n${key.kid}\n${flow.method}\n${t.host}\n${t.path}\n${t0}\n${nonce}\n${partner}${lines}`;
      const s = sign(null, Buffer.from(canonical, 'utf8'), key.privateKey).toString('base64url');
      flow.headers.push(headerName, `v=1; kid=${key.kid}; t=${t0}; n=${nonce}; p=${partner}; host=${t.host}; h=${names}; s=${s}`);
      flow.signatureHeader = headerName;
      return CONTINUE;
    },
  };
}
