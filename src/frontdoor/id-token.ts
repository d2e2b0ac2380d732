// The ID token: signed with the operator's Ed25519 signing key (the key in
// src/keys/, published in the front door's JWKS). Its `sub` is the partner's
// pairwise pseudonym of the number — never the number, never a plain hash of
// it — and `amr` says the network authenticated the subscriber.
//
// Signed with node:crypto's sign() and a callback, not jose's SignJWT: jose
// signs through WebCrypto, which on Node 20 computes Ed25519 on the main
// thread (35–70 µs per token on the bench machine, in front of every other
// request), while sign() with a callback computes it on the libuv thread pool.
// The token is the JWS compact serialisation (RFC 7515 §7.1) of the claims
// jose would set; the tests verify it with jose and with openid-client.
import { sign } from 'node:crypto';
import type { SigningKey } from '../keys/material.js';

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  sub: string;
  nonce: string | undefined;
  authTime: number;
  amr: readonly string[];
  lifetimeSeconds: number;
}

export function signIdToken(key: SigningKey, t: IdTokenInput, now = Math.floor(Date.now() / 1000)): Promise<string> {
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
  const input = `${base64url({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })}.${base64url(claims)}`;
  return new Promise((resolve, reject) =>
    sign(null, Buffer.from(input), key.privateKey, (err, signature) => (err ? reject(err) : resolve(`${input}.${signature.toString('base64url')}`))),
  );
}

function base64url(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}
