// The hedge-v1 signature (X-Hedge-Signature), kept for partners deployed
// before RFC 9421 (`signature: hedge-v1`): Ed25519 over the kit's v1
// canonical form (packages/partner/src/canonical.ts, docs/partners.md),
// built by the kit's own canonicalForm so signer and verifier cannot drift:
//
//   hedge-signature-v1 \n kid \n METHOD \n host \n path \n t \n nonce \n partner
//   then one line per enriched header, in order:  \n name(lower case):value
//
// sent as   X-Hedge-Signature: v=1; kid=…; t=…; n=…; p=…; host=…; h=name,name; s=…
import { sign, type KeyObject } from 'node:crypto';
import type { Flow } from '../flow.js';
import { randomSlice } from '../../policy/random-pool.js';
import { canonicalForm } from 'hedge-partner';

export function signHedgeV1(flow: Flow, partnerId: string, key: { kid: string; privateKey: KeyObject }, headerName: string, t0: number): void {
  const nonce = randomSlice(16).toString('base64url');
  const t = flow.target;
  const headers = flow.disclosures.map((d) => [d.header.toLowerCase(), d.value] as const);
  const canonical = canonicalForm({ kid: key.kid, method: flow.method, host: t.host, path: t.path, t: t0, nonce, partner: partnerId, headers });
  const s = sign(null, Buffer.from(canonical, 'utf8'), key.privateKey).toString('base64url');
  const names = headers.map(([name]) => name).join(',');
  flow.headers.push(headerName, `v=1; kid=${key.kid}; t=${t0}; n=${nonce}; p=${partnerId}; host=${t.host}; h=${names}; s=${s}`);
  flow.signatureHeaders = [headerName];
}
