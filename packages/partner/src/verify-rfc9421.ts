// verifyRequest: is this request's enrichment genuine? RFC 9421 HTTP Message
// Signatures in hedge's profile (rfc9421.ts): the signature labelled with
// tag="hedge" must cover @method, @authority, @path, @query (when the request
// has one), hedge-partner and every identity header that arrived; carry
// created, expires, nonce, keyid and alg; verify under the operator's Ed25519
// key (JWKS) or your hmac-sha256 secret; be for your partner id, within its
// validity, and not seen before. Every refusal has a typed reason.
import { createHmac, createSecretKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { IDENTITY_HEADER_NAMES } from './identity-headers.js';
import { MemoryNonceStore, type NonceStore } from './nonce-store.js';
import { requestTarget, type ReceivedRequest } from './request-target.js';
import type { PartnerRequest } from './request-view.js';
import { PARTNER_HEADER, SIGNATURE_TAG, signatureBase, signableValue, splitTarget } from './rfc9421.js';
import { isInnerList, parseDictionary, serializeInnerList, StructuredFieldError, type InnerList } from './structured-fields.js';
import type { Jwk } from './public-key.js';
import type { RefusalReason } from './verify.js';
import { publicKeyFor } from './public-key.js';

export type Rfc9421Refusal = RefusalReason | 'not-covered';

export interface RequestVerifyOptions {
  /** Your partner id in the operator's policy: a signature for another partner is refused. */
  partnerId: string;
  /** ed25519: the operator's JWKS (`GET /.well-known/jwks.json`, `hedge keys export`). */
  jwks?: { keys: readonly Jwk[] };
  /** ed25519: or one public key (PEM, JWK or KeyObject); every keyid is accepted. */
  publicKey?: KeyObject | string | Jwk;
  /** hmac-sha256: your signature secret as the operator gave it (base64url), bytes or a KeyObject. */
  hmacSecret?: string | Uint8Array | KeyObject;
  /** Oldest accepted `created`, in seconds, whatever `expires` says. Default 300. */
  maxAge?: number;
  /** Seconds of clock skew tolerated on created and expires. Default 30. */
  clockTolerance?: number;
  /** Your host name(s). Default: the request's Host. */
  host?: string | readonly string[];
  /** Replay store; default one per process. false disables replay checks (not recommended). */
  nonces?: NonceStore | false;
  /** More header names that must never arrive unsigned. */
  identityHeaders?: readonly string[];
  /** Current time in ms (tests). */
  now?: number;
}

export type RequestVerifyResult =
  | {
      ok: true;
      /** Covered header name (lower case) → value: what the operator disclosed (hedge-partner excluded). */
      attributes: Record<string, string>;
      partnerId: string;
      alg: 'ed25519' | 'hmac-sha256';
      keyid: string;
      created: number;
      expires: number;
      nonce: string;
    }
  | { ok: false; reason: Rfc9421Refusal; message: string };

const defaultNonces = new MemoryNonceStore();
const REQUIRED_PARAMS = ['created', 'expires', 'nonce', 'keyid', 'alg', 'tag'] as const;

export async function verifyRequest(request: PartnerRequest, opts: RequestVerifyOptions): Promise<RequestVerifyResult> {
  const refuse = (reason: Rfc9421Refusal, message: string): RequestVerifyResult => ({ ok: false, reason, message });
  const req = requestTarget(request);
  if ('malformed' in req) return refuse('malformed', req.malformed);
  const inputs = req.values('signature-input');
  const sigs = req.values('signature');
  if (inputs.length === 0 || sigs.length === 0) return refuse('missing-header', 'no Signature-Input or Signature header');

  let label: string | undefined;
  let input: InnerList | undefined;
  let sigBytes: Uint8Array | undefined;
  try {
    const dict = parseDictionary(inputs.join(', '));
    const sigDict = parseDictionary(sigs.join(', '));
    for (const [name, m] of dict) {
      if (!isInnerList(m) || m.params.get('tag') !== SIGNATURE_TAG) continue;
      if (label !== undefined) return refuse('malformed', 'more than one signature with tag="hedge"');
      label = name;
      input = m;
    }
    if (label === undefined || input === undefined) return refuse('missing-header', 'no signature with tag="hedge"');
    const s = sigDict.get(label);
    if (!s || isInnerList(s) || !(s.value instanceof Uint8Array)) return refuse('missing-header', `no Signature member "${label}"`);
    sigBytes = s.value;
  } catch (err) {
    if (err instanceof StructuredFieldError) return refuse('malformed', `Signature-Input or Signature cannot be parsed: ${err.message}`);
    throw err;
  }

  const p = input.params;
  for (const k of REQUIRED_PARAMS) if (!p.has(k)) return refuse('not-covered', `the signature has no "${k}" parameter`);
  const created = p.get('created');
  const expires = p.get('expires');
  const nonce = p.get('nonce');
  const keyid = p.get('keyid');
  const alg = p.get('alg');
  if (typeof created !== 'number' || typeof expires !== 'number' || typeof nonce !== 'string' || typeof keyid !== 'string' || (alg !== 'ed25519' && alg !== 'hmac-sha256'))
    return refuse('malformed', 'created/expires must be integers, nonce/keyid strings, alg "ed25519" or "hmac-sha256"');

  const components: string[] = [];
  for (const it of input.items) {
    if (typeof it.value !== 'string' || it.params.size > 0) return refuse('malformed', 'only plain component identifiers are accepted');
    components.push(it.value);
  }
  if (new Set(components).size !== components.length) return refuse('malformed', 'a component is covered twice');
  const { path, query } = splitTarget(req.target);
  const required = ['@method', '@authority', '@path', PARTNER_HEADER, ...(query !== undefined ? ['@query'] : [])];
  for (const c of required) if (!components.includes(c)) return refuse('not-covered', `the signature does not cover ${c}`);

  const partner = req.values(PARTNER_HEADER);
  if (partner.length !== 1) return refuse(partner.length === 0 ? 'missing-header' : 'unsigned-header', `${PARTNER_HEADER} must arrive exactly once`);
  if (partner[0] !== opts.partnerId) return refuse('wrong-partner', `signed for partner "${partner[0]}"`);
  const expectedHosts = opts.host === undefined ? [req.host] : typeof opts.host === 'string' ? [opts.host] : opts.host;
  if (!expectedHosts.some((h) => h.toLowerCase() === req.host)) return refuse('wrong-host', `sent to host "${req.host}"`);

  const now = opts.now ?? Date.now();
  const nowS = Math.floor(now / 1000);
  const tolerance = opts.clockTolerance ?? 30;
  const maxAge = opts.maxAge ?? 300;
  if (created - nowS > tolerance) return refuse('not-yet-valid', 'created in the future');
  if (nowS - tolerance >= expires) return refuse('expired', `expired ${nowS - expires}s ago`);
  if (nowS - created > maxAge) return refuse('expired', `created ${nowS - created}s ago (maxAge ${maxAge}s)`);

  const built = baseFor(req, input, components, path, query);
  if ('reason' in built) return refuse(built.reason, built.message);
  const { attributes } = built;
  const base = Buffer.from(built.base, 'utf8');

  let good: boolean;
  if (alg === 'ed25519') {
    const key = publicKeyFor(keyid, opts);
    if (!key) return refuse('unknown-key', `no Ed25519 key "${keyid}"; fetch the JWKS again`);
    try {
      good = verify(null, base, key, sigBytes);
    } catch {
      good = false;
    }
  } else {
    if (opts.hmacSecret === undefined) return refuse('unknown-key', 'signed with hmac-sha256 but no hmacSecret is configured');
    const mac = createHmac('sha256', secretKey(opts.hmacSecret)).update(base).digest();
    good = mac.length === sigBytes.length && timingSafeEqual(mac, sigBytes);
  }
  if (!good) return refuse('bad-signature', 'the signature does not match this request');

  const identity = new Set([...IDENTITY_HEADER_NAMES, ...(opts.identityHeaders ?? []).map((n) => n.toLowerCase())]);
  const covered = new Set(components);
  for (const n of req.names()) if (!covered.has(n) && identity.has(n.replace(/_/g, '-'))) return refuse('unsigned-header', `identity header ${n} is not covered by the signature`);

  if (opts.nonces !== false) {
    const store = opts.nonces ?? defaultNonces;
    const fresh = await store.remember(`${opts.partnerId}:${keyid}:${nonce}`, (Math.max(expires, created + maxAge) + tolerance + 1) * 1000);
    if (!fresh) return refuse('replayed', 'this signature was already accepted');
  }
  return { ok: true, attributes, partnerId: opts.partnerId, alg, keyid, created, expires, nonce };
}

/**
 * The signature base (RFC 9421 §2.5) of a received request for the member
 * `label` of its Signature-Input, whatever profile it follows: for checking
 * another implementation, or RFC 9421's own examples. Throws on what it cannot build.
 */
export function signatureBaseOf(request: PartnerRequest, label: string): string {
  const req = requestTarget(request);
  if ('malformed' in req) throw new Error(req.malformed);
  const m = parseDictionary(req.values('signature-input').join(', ')).get(label);
  if (!m || !isInnerList(m)) throw new Error(`no Signature-Input member "${label}"`);
  const components = m.items.map((it) => {
    if (typeof it.value !== 'string' || it.params.size > 0) throw new Error('only plain component identifiers are supported');
    return it.value;
  });
  const { path, query } = splitTarget(req.target);
  const built = baseFor(req, m, components, path, query);
  if ('reason' in built) throw new Error(built.message);
  return built.base;
}

function baseFor(
  req: ReceivedRequest,
  input: InnerList,
  components: readonly string[],
  path: string,
  query: string | undefined,
): { base: string; attributes: Record<string, string> } | { reason: Rfc9421Refusal; message: string } {
  const lines: [string, string][] = [];
  const attributes: Record<string, string> = {};
  for (const c of components) {
    let v: string;
    if (c === '@method') v = req.method;
    else if (c === '@authority') v = req.authority;
    else if (c === '@path') v = path;
    else if (c === '@query') v = query ?? '?';
    else if (c === '@target-uri') v = `${req.scheme}://${req.authority}${req.target}`;
    else if (c === '@scheme') v = req.scheme;
    else if (c === '@request-target') v = req.target;
    else if (c.startsWith('@')) return { reason: 'malformed', message: `component ${c} is not supported` };
    else {
      const values = req.values(c);
      if (values.length === 0) return { reason: 'missing-header', message: `covered header ${c} is missing` };
      if (values.length > 1) return { reason: 'unsigned-header', message: `covered header ${c} arrived more than once` };
      v = values[0]!.trim();
      if (!signableValue(v)) return { reason: 'malformed', message: `covered header ${c} holds characters outside visible ASCII` };
      if (c !== PARTNER_HEADER) attributes[c] = v;
    }
    lines.push([c, v]);
  }
  return { base: signatureBase(lines, serializeInnerList(input)), attributes };
}

function secretKey(s: string | Uint8Array | KeyObject): KeyObject {
  if (typeof s === 'string') return createSecretKey(Buffer.from(s, 'base64url'));
  if (s instanceof Uint8Array) return createSecretKey(s);
  return s;
}
