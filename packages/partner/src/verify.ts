// verifyEnrichment: is this request's enrichment genuine? Checks the
// operator's Ed25519 signature over the canonical form, the partner id, the
// host, the age, that every signed header is there exactly once, that no
// identity header arrived unsigned, and that the nonce was not seen before.
import { verify, type KeyObject } from 'node:crypto';
import { canonicalForm, parseSignatureHeader, DEFAULT_SIGNATURE_HEADER } from './canonical.js';
import { IDENTITY_HEADER_NAMES } from './identity-headers.js';
import { MemoryNonceStore, type NonceStore } from './nonce-store.js';
import type { PartnerRequest } from './request-view.js';
import { requestTarget } from './request-target.js';
import { publicKeyFor, type Jwk } from './public-key.js';

export type { Jwk } from './public-key.js';

export type RefusalReason =
  | 'missing-header' // no signature header, or a header it lists is absent
  | 'malformed' // the signature header cannot be parsed
  | 'wrong-partner' // signed for another partner
  | 'wrong-host' // signed for another host
  | 'expired' // older than maxAge
  | 'not-yet-valid' // issued in the future (beyond clock tolerance)
  | 'unknown-key' // kid not in the JWKS (fetch the JWKS again: the operator may have rotated)
  | 'bad-signature' // the signature does not verify: a value, the path, the method… was changed, or another key signed it
  | 'unsigned-header' // an identity header (or a second copy of a signed one) that the signature does not cover
  | 'replayed'; // this nonce was already accepted

export interface VerifyOptions {
  /** The operator's JWKS (`GET /.well-known/jwks.json` on the admin API, or `hedge keys export`). */
  jwks?: { keys: readonly Jwk[] };
  /** Or one public key (PEM, JWK or KeyObject): every kid is accepted. */
  publicKey?: KeyObject | string | Jwk;
  /** Your partner id in the operator's policy. */
  partnerId: string;
  /** Oldest accepted signature, in seconds. Default 300. */
  maxAge?: number;
  /** Your host name(s). Default: the request's Host (pass it when a proxy in front rewrites Host). */
  host?: string | readonly string[];
  /** Replay store; default one per process. false disables replay checks (not recommended). */
  nonces?: NonceStore | false;
  /** More header names that must never arrive unsigned (the catalogue of known identity headers always applies). */
  identityHeaders?: readonly string[];
  /** Default "x-hedge-signature". */
  signatureHeader?: string;
  /** Seconds a signature may be dated in the future (clock skew). Default 30. */
  clockTolerance?: number;
  /** Current time in ms (tests). */
  now?: number;
}

export type VerifyResult =
  | {
      ok: true;
      /** Signed header name (lower case) → value: what the operator disclosed. */
      attributes: Record<string, string>;
      partnerId: string;
      kid: string;
      issuedAt: number;
      nonce: string;
    }
  | { ok: false; reason: RefusalReason; message: string };

const defaultNonces = new MemoryNonceStore();

export async function verifyEnrichment(request: PartnerRequest, opts: VerifyOptions): Promise<VerifyResult> {
  const refuse = (reason: RefusalReason, message: string): VerifyResult => ({ ok: false, reason, message });
  // Read as the RFC 9421 verifier reads it: the host without port or IPv6 brackets, the target exactly as received.
  const req = requestTarget(request);
  if ('malformed' in req) return refuse('malformed', req.malformed);
  const sigName = (opts.signatureHeader ?? DEFAULT_SIGNATURE_HEADER).toLowerCase();
  const sigValues = req.values(sigName);
  if (sigValues.length === 0) return refuse('missing-header', `no ${sigName} header`);
  if (sigValues.length > 1) return refuse('malformed', `more than one ${sigName} header`);
  const sig = parseSignatureHeader(sigValues[0]!);
  if (!sig) return refuse('malformed', `${sigName} cannot be parsed`);
  if (sig.partner !== opts.partnerId) return refuse('wrong-partner', `signed for partner "${sig.partner}"`);
  const expected = opts.host === undefined ? [req.host] : typeof opts.host === 'string' ? [opts.host] : opts.host;
  if (!expected.some((h) => h.toLowerCase() === sig.host)) return refuse('wrong-host', `signed for host "${sig.host}"`);
  const now = opts.now ?? Date.now();
  const nowS = Math.floor(now / 1000);
  const maxAge = opts.maxAge ?? 300;
  if (nowS - sig.t > maxAge) return refuse('expired', `signed ${nowS - sig.t}s ago (maxAge ${maxAge}s)`);
  if (sig.t - nowS > (opts.clockTolerance ?? 30)) return refuse('not-yet-valid', 'signed in the future');
  const key = publicKeyFor(sig.kid, opts);
  if (!key) return refuse('unknown-key', `no key "${sig.kid}" in the JWKS; fetch it again`);

  const signed: [string, string][] = [];
  for (const name of sig.names) {
    const v = req.values(name);
    if (v.length === 0) return refuse('missing-header', `signed header ${name} is missing`);
    if (v.length > 1) return refuse('unsigned-header', `signed header ${name} arrived more than once`);
    signed.push([name, v[0]!]);
  }
  const canonical = canonicalForm({ kid: sig.kid, method: req.method, host: sig.host, path: req.target, t: sig.t, nonce: sig.nonce, partner: sig.partner, headers: signed });
  let good: boolean;
  try {
    good = verify(null, Buffer.from(canonical, 'utf8'), key, Buffer.from(sig.signature, 'base64url'));
  } catch {
    good = false;
  }
  if (!good) return refuse('bad-signature', 'the signature does not match this request');

  const signedNames = new Set(sig.names);
  const identity = new Set([...IDENTITY_HEADER_NAMES, ...(opts.identityHeaders ?? []).map((n) => n.toLowerCase())]);
  for (const n of req.names()) {
    const canonicalName = n.replace(/_/g, '-');
    if (!signedNames.has(n) && identity.has(canonicalName)) return refuse('unsigned-header', `identity header ${n} is not covered by the signature`);
  }

  if (opts.nonces !== false) {
    const store = opts.nonces ?? defaultNonces;
    const fresh = await store.remember(`${sig.partner}:${sig.kid}:${sig.nonce}`, (sig.t + maxAge + 1) * 1000);
    if (!fresh) return refuse('replayed', 'this signature was already accepted');
  }
  return { ok: true, attributes: Object.fromEntries(signed), partnerId: sig.partner, kid: sig.kid, issuedAt: sig.t, nonce: sig.nonce };
}
