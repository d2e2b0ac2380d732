// The ID token, signed as the client chose (frontDoor.idTokenSignedResponseAlg):
// RS256 with the operator's RSA ID-token key, or EdDSA with its Ed25519
// signing key (both in the key file, src/keys/, published in the front door's
// JWKS). Its `sub` is the partner's pairwise pseudonym of the number — never
// the number, never a plain hash of it — and `amr` says the network
// authenticated the subscriber.
//
// Signed with node:crypto's sign() and a callback, not jose's SignJWT: jose
// signs through WebCrypto, which on Node 20 computes Ed25519 on the main
// thread (35–70 µs per token on the bench machine, in front of every other
// request), while sign() with a callback computes it on the libuv thread pool
// — for RSA (about 1 ms of CPU a signature) that matters even more. One path
// for both algorithms: the token is the JWS compact serialisation (RFC 7515
// §7.1) of the claims jose would set, RS256 being RSASSA-PKCS1-v1_5 with
// SHA-256 (RFC 7518 §3.3); the tests verify both with jose and openid-client.
import { sign } from 'node:crypto';
import type { SigningKey } from '../keys/material.js';

export type IdTokenAlg = 'RS256' | 'EdDSA';

/** A key and the algorithm it signs with: the caller picks the one the client chose. */
export interface IdTokenKey extends SigningKey {
  alg: IdTokenAlg;
}

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  sub: string;
  nonce: string | undefined;
  authTime: number;
  amr: readonly string[];
  lifetimeSeconds: number;
}

export function signIdToken(key: IdTokenKey, t: IdTokenInput, now = Math.floor(Date.now() / 1000)): Promise<string> {
  const claims: Record<string, unknown> = {
    iss: t.issuer,
    sub: t.sub,
    aud: t.clientId,
    iat: now,
    exp: now + t.lifetimeSeconds,
    auth_time: t.authTime,
    amr: [...t.amr],
    azp: t.clientId,
  };
  if (t.nonce !== undefined) claims.nonce = t.nonce;
  const input = `${base64url({ alg: key.alg, kid: key.kid, typ: 'JWT' })}.${base64url(claims)}`;
  // Ed25519 takes no digest (the algorithm fixes it); RS256 is PKCS#1 v1.5 (the default padding) over SHA-256.
  return new Promise((resolve, reject) =>
    sign(key.alg === 'RS256' ? 'sha256' : null, Buffer.from(input), key.privateKey, (err, signature) =>
      err ? reject(err) : resolve(`${input}.${signature.toString('base64url')}`),
    ),
  );
}

function base64url(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}
