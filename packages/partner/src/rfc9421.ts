// hedge's profile of RFC 9421 (HTTP Message Signatures): the signature base
// both sides build. The gateway imports these functions to sign, the kit to
// verify, so the two cannot drift. docs/partners.md and the vectors in
// docs/signature-vectors.json describe the same thing for other languages.
//
// An enriched request carries:
//   Hedge-Partner: <partner id>
//   Signature-Input: hedge=("@method" "@authority" "@path" ["@query"] "hedge-partner" <enriched headers…>)
//                          ;created=…;expires=…;nonce="…";keyid="…";alg="ed25519"|"hmac-sha256";tag="hedge"
//   Signature: hedge=:<base64>:
//
// The partner id is bound as a covered header field (`hedge-partner`) rather
// than in `tag` or a parameter of our own: every RFC 9421 library can require
// and read a covered field, `tag` names the application profile ("hedge") as
// RFC 9421 §2.3 intends, and extra parameters are outside the IANA registry
// (some libraries refuse or hide them).
import { serializeString } from './structured-fields.js';

export const SIGNATURE_LABEL = 'hedge';
export const SIGNATURE_TAG = 'hedge';
/** The covered header field that binds the partner id. */
export const PARTNER_HEADER = 'hedge-partner';
export const RFC9421_ALGORITHMS = ['ed25519', 'hmac-sha256'] as const;
export type Rfc9421Algorithm = (typeof RFC9421_ALGORITHMS)[number];

export interface HedgeSignatureParams {
  /** Seconds since the epoch. */
  created: number;
  expires: number;
  nonce: string;
  keyid: string;
  alg: Rfc9421Algorithm;
}

/** `@authority` (RFC 9421 §2.2.3): lower-case host, an IPv6 literal in brackets, the port only when it is not the scheme's default. */
export function authorityOf(host: string, port: number, scheme: 'http' | 'https'): string {
  const h = host.toLowerCase();
  const bracketed = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return port === (scheme === 'https' ? 443 : 80) ? bracketed : `${bracketed}:${port}`;
}

/** `@path` and `@query` (§2.2.6, §2.2.7) of an origin-form target; query is undefined when the target has no "?". */
export function splitTarget(target: string): { path: string; query: string | undefined } {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  return { path: path === '' ? '/' : path, query: q === -1 ? undefined : target.slice(q) };
}

/** The component identifiers hedge covers, in order. */
export function coveredComponents(hasQuery: boolean, headerNames: readonly string[]): string[] {
  // Built with push, not spreads: the gateway calls this for every signed request.
  const c = ['@method', '@authority', '@path'];
  if (hasQuery) c.push('@query');
  c.push(PARTNER_HEADER);
  for (let i = 0; i < headerNames.length; i++) c.push(headerNames[i]!);
  return c;
}

/** The member value of Signature-Input, which is also the `@signature-params` line of the base. */
export function signatureParamsValue(components: readonly string[], p: HedgeSignatureParams): string {
  let s = '(';
  for (let i = 0; i < components.length; i++) s += (i === 0 ? '"' : ' "') + components[i] + '"';
  return `${s});created=${p.created};expires=${p.expires};nonce=${serializeString(p.nonce)};keyid=${serializeString(p.keyid)};alg="${p.alg}";tag="${SIGNATURE_TAG}"`;
}

/** One line of the signature base (§2.5): `"component": value` and its LF. */
export function baseLine(component: string, value: string): string {
  return `"${component}": ${value}\n`;
}

/** The signature base's last line, `"@signature-params": …`, without a trailing LF. */
export function signatureParamsLine(paramsValue: string): string {
  return `"@signature-params": ${paramsValue}`;
}

/** The signature base (§2.5): one `"component": value` line per covered component, then `"@signature-params": …`; LF-separated, no trailing LF. */
export function signatureBase(lines: readonly (readonly [string, string])[], paramsValue: string): string {
  let s = '';
  for (const [c, v] of lines) s += baseLine(c, v);
  return s + signatureParamsLine(paramsValue);
}

/** Field values are covered as sent, without leading or trailing whitespace (§2.1); a value that is not visible ASCII plus SP/HTAB is not signable as is. */
export function signableValue(v: string): boolean {
  return /^[\x20-\x7e\t]*$/.test(v);
}
