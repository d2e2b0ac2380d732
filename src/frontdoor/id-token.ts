// The ID token: signed with the operator's Ed25519 signing key (the key in
// src/keys/, published in the front door's JWKS). Its `sub` is the partner's
// pairwise pseudonym of the number — never the number, never a plain hash of
// it — and `amr` says the network authenticated the subscriber.
import { SignJWT } from 'jose';
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
  const claims: Record<string, unknown> = { auth_time: t.authTime, amr: [...t.amr], azp: t.clientId };
  if (t.nonce !== undefined) claims.nonce = t.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setIssuer(t.issuer)
    .setSubject(t.sub)
    .setAudience(t.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + t.lifetimeSeconds)
    .sign(key.privateKey);
}
