// RFC 9421 HTTP Message Signatures over an enriched request, in the profile
// the partner kit verifies (the kit's rfc9421.ts defines the signature base
// for both sides; the vectors in docs/signature-vectors.json hold this file to
// it byte for byte). Per request: one nonce from the random pool, one Ed25519
// sign or one HMAC-SHA256, and one string for the base. What is the same for
// every request of a partner (the covered components, the keyid, alg and tag,
// the hedge-partner line) is built once per partner and key: a Signer.
import { createHmac, hash, sign, type KeyObject } from 'node:crypto';
import type { Flow } from '../flow.js';
import { randomNonce128 } from '../../policy/random-pool.js';
import {
  authorityOf,
  baseLine,
  coveredComponents,
  PARTNER_HEADER,
  serializeString,
  SIGNATURE_LABEL,
  signableValue,
  signatureParamsLine,
  signatureParamsValue,
  splitTarget,
} from 'hedge-partner';

/** Seconds a signature stays valid (`expires` − `created`): the request reaches the partner within milliseconds; the rest is clock skew. */
export const SIGNATURE_LIFETIME = 60;

export type Rfc9421Key = { alg: 'ed25519'; keyid: string; privateKey: KeyObject } | { alg: 'hmac-sha256'; keyid: string; secret: KeyObject; secretBytes?: Buffer };

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

/** An enriched header as the signer reads it (a Disclosure has these fields). */
interface Covered {
  readonly header: string;
  readonly value: string;
}

/**
 * What stays the same across one partner's signed requests under one key.
 * The parts of `@signature-params` around created/expires/nonce come from the
 * kit's own signatureParamsValue, so the serialisation cannot drift from it.
 */
export class Rfc9421Signer {
  /** `"hedge-partner": <id>` and its LF: the fixed line of the base. */
  private readonly partnerLine: string;
  /** `;keyid="…";alg="…";tag="hedge"`: everything after the nonce. */
  private readonly paramsTail: string;
  /** The enriched header names (as configured) the component lists below were built for. */
  private names: readonly string[] = [];
  /** Those names in lower case, as covered. */
  private lower: readonly string[] = [];
  /** hmac-sha256 with the secret's bytes: the precomputed pads. */
  private readonly pads: HmacPads | undefined;
  /** `("@method" … <headers>)` without and with "@query". */
  private components = '';
  private componentsWithQuery = '';

  constructor(
    readonly partnerId: string,
    readonly key: Rfc9421Key,
  ) {
    this.partnerLine = baseLine(PARTNER_HEADER, partnerId);
    const sample = signatureParamsValue([], { created: 0, expires: 0, nonce: '', keyid: key.keyid, alg: key.alg });
    this.paramsTail = sample.slice(sample.indexOf(';keyid='));
    this.pads = key.alg === 'hmac-sha256' && key.secretBytes !== undefined ? new HmacPads(key.secretBytes, key.secret) : undefined;
    this.prepare([]);
  }

  /** The base and the three header values for one request. */
  sign(method: string, scheme: 'http' | 'https', host: string, port: number, target: string, headers: readonly Covered[], created: number, nonce: string) {
    if (!this.sameNames(headers)) this.prepare(headers.map((h) => h.header));
    const { path, query } = splitTarget(target);
    let base = baseLine('@method', method) + baseLine('@authority', authorityOf(host, port, scheme)) + baseLine('@path', path);
    if (query !== undefined) base += baseLine('@query', query);
    base += this.partnerLine;
    const lower = this.lower;
    for (let i = 0; i < headers.length; i++) {
      const value = headers[i]!.value;
      if (!signableValue(value)) throw new Error('an enriched value is not signable (non-ASCII)');
      base += baseLine(lower[i]!, value);
    }
    const params = `${query === undefined ? this.components : this.componentsWithQuery};created=${created};expires=${created + SIGNATURE_LIFETIME};nonce=${serializeString(nonce)}${this.paramsTail}`;
    base += signatureParamsLine(params);
    return { base, partner: this.partnerId, signatureInput: `${SIGNATURE_LABEL}=${params}`, signature: `${SIGNATURE_LABEL}=:${signBase64(base, this.key, this.pads)}:` };
  }

  private sameNames(headers: readonly Covered[]): boolean {
    const n = this.names;
    if (n.length !== headers.length) return false;
    for (let i = 0; i < n.length; i++) if (n[i] !== headers[i]!.header) return false;
    return true;
  }

  private prepare(names: readonly string[]): void {
    const lower = names.map((n) => n.toLowerCase());
    const list = (query: boolean) => {
      const v = signatureParamsValue(coveredComponents(query, lower), { created: 0, expires: 0, nonce: '', keyid: this.key.keyid, alg: this.key.alg });
      return v.slice(0, v.indexOf(';created='));
    };
    this.names = names;
    this.lower = lower;
    this.components = list(false);
    this.componentsWithQuery = list(true);
  }
}

/** The signature base and the three header values; pure (the docs' test vectors are checked against it). */
export function rfc9421Signature(s: SignatureInput): { base: string; partner: string; signatureInput: string; signature: string } {
  const headers = s.headers.map(([header, value]) => ({ header, value }));
  return new Rfc9421Signer(s.partnerId, s.key).sign(s.method, s.scheme, s.host, s.port, s.target, headers, s.created, s.nonce);
}

/** The signature over the base (its UTF-8 bytes), base64. */
function signBase64(base: string, key: Rfc9421Key, pads: HmacPads | undefined): string {
  if (key.alg === 'hmac-sha256') return pads !== undefined ? pads.mac(base) : createHmac('sha256', key.secret).update(base, 'utf8').digest('base64');
  return sign(null, Buffer.from(base, 'utf8'), key.privateKey).toString('base64');
}

/**
 * HMAC-SHA256 (RFC 2104) with the key's inner and outer pads XORed once, at
 * load: per request two one-shot SHA-256 calls, H(opad ‖ H(ipad ‖ base)),
 * instead of an Hmac object whose setup (digest fetch, key schedule) costs
 * more than hashing the base. The same bytes as createHmac (test/pipeline/
 * signing checks it); a base too long for the scratch buffer goes to createHmac.
 */
export class HmacPads {
  /** ipad, then room for the base's UTF-8 bytes. */
  private readonly inner = Buffer.alloc(64 + 4096);
  /** opad, then the inner digest. */
  private readonly outer = Buffer.alloc(64 + 32);

  constructor(
    secret: Buffer,
    private readonly fallback: KeyObject,
  ) {
    const k = Buffer.alloc(64);
    (secret.length > 64 ? hash('sha256', secret, 'buffer') : secret).copy(k);
    for (let i = 0; i < 64; i++) {
      this.inner[i] = k[i]! ^ 0x36;
      this.outer[i] = k[i]! ^ 0x5c;
    }
    k.fill(0);
  }

  /** HMAC-SHA256 of the string's UTF-8 bytes, base64. */
  mac(s: string): string {
    if (s.length * 3 > this.inner.length - 64) return createHmac('sha256', this.fallback).update(s, 'utf8').digest('base64');
    const n = this.inner.write(s, 64, 'utf8');
    // The inner digest as a 'binary' (latin1) string, one character per byte, written into place: a
    // 'buffer' result would allocate a new backing store per call, which costs more than the hash.
    this.outer.write(hash('sha256', this.inner.subarray(0, 64 + n), 'binary'), 64, 'latin1');
    return hash('sha256', this.outer, 'base64');
  }
}

export function signRfc9421(flow: Flow, signer: Rfc9421Signer, created: number): void {
  removeClientSignatures(flow);
  const t = flow.target;
  const r = signer.sign(flow.method, t.scheme, t.host, t.port, t.path, flow.disclosures, created, randomNonce128());
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
