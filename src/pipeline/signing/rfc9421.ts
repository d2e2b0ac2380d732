// RFC 9421 HTTP Message Signatures over an enriched request, in the profile
// the partner kit verifies (the kit's rfc9421.ts builds the signature base for
// both sides). Per request: one nonce from the random pool, one Ed25519 sign
// or one HMAC-SHA256, string building; keys are KeyObjects made at load.
import { createHmac, sign, type KeyObject } from 'node:crypto';
import type { Flow } from '../flow.js';
import { randomSlice } from '../../policy/random-pool.js';
import { authorityOf, coveredComponents, PARTNER_HEADER, SIGNATURE_LABEL, signableValue, signatureBase, signatureParamsValue, splitTarget } from 'hedge-partner';

/** Seconds a signature stays valid (`expires` − `created`): the request reaches the partner within milliseconds; the rest is clock skew. */
export const SIGNATURE_LIFETIME = 60;

export type Rfc9421Key = { alg: 'ed25519'; keyid: string; privateKey: KeyObject } | { alg: 'hmac-sha256'; keyid: string; secret: KeyObject };

/** The header names the gateway adds when it signs with RFC 9421 (a client's copies are removed first). */
export const RFC9421_HEADERS = ['Hedge-Partner', 'Signature-Input', 'Signature'] as const;

export interface SignatureInput {
  method: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Origin-form target as sent upstream. */
  target: string;
  partnerId: string;
  /** Enriched headers in order: [name as configured, value]. */
  headers: readonly (readonly [string, string])[];
  created: number;
  nonce: string;
  key: Rfc9421Key;
}

/** The signature base and the three header values; pure (the docs' test vectors are checked against it). */
export function rfc9421Signature(s: SignatureInput): { base: string; partner: string; signatureInput: string; signature: string } {
  const { path, query } = splitTarget(s.target);
  const names: string[] = [];
  const lines: [string, string][] = [
    ['@method', s.method],
    ['@authority', authorityOf(s.host, s.port, s.scheme)],
    ['@path', path],
  ];
  if (query !== undefined) lines.push(['@query', query]);
  lines.push([PARTNER_HEADER, s.partnerId]);
  for (const [header, value] of s.headers) {
    if (!signableValue(value)) throw new Error('an enriched value is not signable (non-ASCII)');
    const name = header.toLowerCase();
    names.push(name);
    lines.push([name, value]);
  }
  const params = signatureParamsValue(coveredComponents(query !== undefined, names), {
    created: s.created,
    expires: s.created + SIGNATURE_LIFETIME,
    nonce: s.nonce,
    keyid: s.key.keyid,
    alg: s.key.alg,
  });
  const base = signatureBase(lines, params);
  return { base, partner: s.partnerId, signatureInput: `${SIGNATURE_LABEL}=${params}`, signature: `${SIGNATURE_LABEL}=:${signBase64(base, s.key)}:` };
}

/** The signature over the base (its UTF-8 bytes), base64. HMAC takes the string and encodes the digest itself: no intermediate Buffers. */
function signBase64(base: string, key: Rfc9421Key): string {
  if (key.alg === 'hmac-sha256') return createHmac('sha256', key.secret).update(base, 'utf8').digest('base64');
  return sign(null, Buffer.from(base, 'utf8'), key.privateKey).toString('base64');
}

export function signRfc9421(flow: Flow, partnerId: string, key: Rfc9421Key, created: number): void {
  removeClientSignatures(flow);
  const t = flow.target;
  const headers: [string, string][] = [];
  for (const d of flow.disclosures) headers.push([d.header, d.value]);
  const r = rfc9421Signature({
    method: flow.method,
    scheme: t.scheme,
    host: t.host,
    port: t.port,
    target: t.path,
    partnerId,
    headers,
    created,
    nonce: randomSlice(16).toString('base64url'),
    key,
  });
  flow.headers.push(RFC9421_HEADERS[0], r.partner, RFC9421_HEADERS[1], r.signatureInput, RFC9421_HEADERS[2], r.signature);
  flow.signatureHeaders = RFC9421_HEADERS;
}

/**
 * A client's own Signature / Signature-Input must not travel next to the
 * gateway's: a second "hedge" member in the combined field would override ours
 * for some parsers. (Hedge-Partner is in every policy's strip list.)
 */
function removeClientSignatures(flow: Flow): void {
  const h = flow.headers;
  for (let i = h.length - 2; i >= 0; i -= 2) {
    const n = h[i]!;
    if (n.length !== 9 && n.length !== 15) continue;
    const lower = n.toLowerCase();
    if (lower === 'signature' || lower === 'signature-input') h.splice(i, 2);
  }
}
