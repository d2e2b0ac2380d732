// The hedge-v1 signature (X-Hedge-Signature), kept for partners deployed
// before RFC 9421 (`signature: hedge-v1`): Ed25519 over the kit's v1
// canonical form (packages/partner/src/canonical.ts, docs/partners.md):
//
//   hedge-signature-v1 \n kid \n METHOD \n host \n path \n t \n nonce \n partner
//   then one line per enriched header, in order:  \n name(lower case):value
//
// sent as   X-Hedge-Signature: v=1; kid=…; t=…; n=…; p=…; host=…; h=name,name; s=…
import { sign, type KeyObject } from 'node:crypto';
import type { Flow } from '../flow.js';
import { randomSlice } from '../../policy/random-pool.js';
import { SIGNATURE_VERSION } from 'hedge-partner';

export function signHedgeV1(flow: Flow, partnerId: string, key: { kid: string; privateKey: KeyObject }, headerName: string, t0: number): void {
  const nonce = randomSlice(16).toString('base64url');
  const t = flow.target;
  const d = flow.disclosures;
  let names = '';
  let lines = '';
  for (let i = 0; i < d.length; i++) {
    const name = d[i]!.header.toLowerCase();
    names += i === 0 ? name : ',' + name;
    lines += '\n' + name + ':' + d[i]!.value;
  }
  const canonical = `${SIGNATURE_VERSION}\n${key.kid}\n${flow.method}\n${t.host}\n${t.path}\n${t0}\n${nonce}\n${partnerId}${lines}`;
  const s = sign(null, Buffer.from(canonical, 'utf8'), key.privateKey).toString('base64url');
  flow.headers.push(headerName, `v=1; kid=${key.kid}; t=${t0}; n=${nonce}; p=${partnerId}; host=${t.host}; h=${names}; s=${s}`);
  flow.signatureHeaders = [headerName];
}
