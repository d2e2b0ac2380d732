// Stage: sign what was enriched, so a partner can prove the headers came from
// the operator's gateway — not from a client on WiFi that typed them — and
// were not replayed. Per partner (`signature:`):
//   ed25519 (default), hmac-sha256   RFC 9421 HTTP Message Signatures (signing/rfc9421.ts)
//   hedge-v1                         the earlier X-Hedge-Signature (signing/hedge-v1.ts)
//   off                              nothing (legacy partners that do not verify; warned by the lints)
import { CONTINUE, type Stage } from '../stage.js';
import type { Flow } from '../flow.js';
import type { SigningKey } from '../../keys/material.js';
import type { CompiledPartner } from '../../policy/compile.js';
import { Rfc9421Signer, signRfc9421 } from '../signing/rfc9421.js';
import { signHedgeV1 } from '../signing/hedge-v1.js';

export function signEnrichment(key: SigningKey | undefined, v1HeaderName: string): Stage {
  const ed25519 = key ? { alg: 'ed25519' as const, keyid: key.kid, privateKey: key.privateKey } : undefined;
  // One RFC 9421 signer per partner of this policy (the stage is rebuilt with each policy): its fixed parts are built once.
  const signers = new WeakMap<CompiledPartner, Rfc9421Signer>();
  const signerFor = (p: CompiledPartner): Rfc9421Signer => {
    let s = signers.get(p);
    if (s === undefined) {
      if (p.signature === 'hmac-sha256') {
        if (!p.hmac) throw new Error('no hmac-sha256 secret loaded');
        s = new Rfc9421Signer(p.id, { alg: 'hmac-sha256', keyid: p.hmac.keyid, secret: p.hmac.key, secretBytes: p.hmac.bytes });
      } else {
        if (!ed25519) throw new Error('no signing key loaded');
        s = new Rfc9421Signer(p.id, ed25519);
      }
      signers.set(p, s);
    }
    return s;
  };
  return {
    name: 'sign',
    // Without a signature the partner refuses the headers anyway; undo them and forward.
    onError: 'no-enrichment',
    onRequest(flow: Flow) {
      const p = flow.partner;
      if (flow.disclosures.length === 0 || flow.enrichmentDisabled || !p || p.signature === 'off') return CONTINUE;
      const created = flow.issuedAt || Math.floor(Date.now() / 1000);
      if (p.signature === 'hedge-v1') {
        if (!key) throw new Error('no signing key loaded');
        signHedgeV1(flow, p.id, key, v1HeaderName, created);
      } else signRfc9421(flow, signerFor(p), created);
      return CONTINUE;
    },
  };
}
