// The partner's view of the operator's Ed25519 key, shared by both verifiers
// (RFC 9421 and hedge-v1): from a JWKS by key id, or one configured key (PEM,
// KeyObject or JWK). Keys made from a JWK are cached per JWK object.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** A public JSON Web Key as served in the gateway's JWKS (Ed25519: kty OKP, crv Ed25519, x). */
export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  [k: string]: unknown;
}

export interface PublicKeySource {
  jwks?: { keys: readonly Jwk[] };
  publicKey?: KeyObject | string | Jwk;
}

const keyCache = new WeakMap<object, KeyObject>();

export function publicKeyFor(kid: string, opts: PublicKeySource): KeyObject | undefined {
  if (opts.jwks) {
    const jwk = opts.jwks.keys.find((k) => k.kid === kid);
    if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return undefined;
    return cached(jwk, () => createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  const pk = opts.publicKey;
  if (pk === undefined) return undefined;
  if (typeof pk === 'string') return createPublicKey(pk);
  if ('type' in pk && typeof (pk as KeyObject).export === 'function') return pk as KeyObject;
  return cached(pk as object, () => createPublicKey({ key: pk as JsonWebKey, format: 'jwk' }));
}

function cached(o: object, make: () => KeyObject): KeyObject {
  let k = keyCache.get(o);
  if (!k) keyCache.set(o, (k = make()));
  return k;
}
