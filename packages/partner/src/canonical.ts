// The signed canonical form of an enriched request (version 1). Gateways
// build it to sign, partners to verify; documented in docs/partners.md so a
// partner can verify in any language:
//
//   hedge-signature-v1 LF kid LF METHOD LF host LF path LF t LF nonce LF partner
//   and for each signed header, in the order of h=:  LF name:value
//
// host: lower case, no port. path: the request target's path and query as
// sent by the gateway. name: lower case. UTF-8, no trailing LF.
export const SIGNATURE_VERSION = 'hedge-signature-v1';
export const DEFAULT_SIGNATURE_HEADER = 'x-hedge-signature';

export interface SignatureFields {
  kid: string;
  method: string;
  host: string;
  path: string;
  t: number;
  nonce: string;
  partner: string;
  /** [name (lower case), value] in signed order. */
  headers: readonly (readonly [string, string])[];
}

export function canonicalForm(f: SignatureFields): string {
  let s = `${SIGNATURE_VERSION}\n${f.kid}\n${f.method}\n${f.host}\n${f.path}\n${f.t}\n${f.nonce}\n${f.partner}`;
  for (const [name, value] of f.headers) s += `\n${name}:${value}`;
  return s;
}

/** The parsed signature header: v=1; kid=…; t=…; n=…; p=…; host=…; h=a,b; s=… */
export interface SignatureHeader {
  kid: string;
  t: number;
  nonce: string;
  partner: string;
  host: string;
  names: string[];
  signature: string;
}

export function parseSignatureHeader(value: string): SignatureHeader | undefined {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    const k = part.slice(0, eq).trim();
    if (fields.has(k)) return undefined;
    fields.set(k, part.slice(eq + 1).trim());
  }
  const v = fields.get('v');
  const kid = fields.get('kid');
  const t = fields.get('t');
  const nonce = fields.get('n');
  const partner = fields.get('p');
  const host = fields.get('host');
  const h = fields.get('h');
  const s = fields.get('s');
  if (v !== '1' || !kid || !t || !/^\d{1,12}$/.test(t) || !nonce || !partner || !host || !h || !s || !/^[A-Za-z0-9_-]+$/.test(s)) return undefined;
  const names = h.split(',').map((n) => n.trim().toLowerCase());
  if (names.some((n) => n.length === 0) || new Set(names).size !== names.length) return undefined;
  return { kid, t: Number(t), nonce, partner, host, names, signature: s };
}
