// The `token` form: an opaque per-request alias only the operator can
// resolve (carrier billing: the partner passes it back when it charges).
// Stateless, so every gateway node and the admin API resolve it with the
// shared key file and no token database:
//
//   hdt1.<kid>.<iv b64url>.<ciphertext‖tag b64url>
//
// AES-256-GCM under the operator's token key `kid`; authenticated data is
// "hdt1.<kid>"; the plaintext is JSON {a, v, m, p, iat, exp}: attribute,
// value, the subscriber's MSISDN, partner id, issue and expiry (seconds).
// A fresh IV per request: two requests never share a token.
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { randomSlice } from './random-pool.js';

export const TOKEN_PREFIX = 'hdt1';

export interface TokenContents {
  attribute: string;
  value: string;
  msisdn: string;
  partner: string;
  issuedAt: number;
  expiresAt: number;
}

export interface TokenKeyRef {
  kid: string;
  key: KeyObject;
}

export function tokenIssuer(partnerId: string, attribute: string, key: TokenKeyRef, lifetimeSeconds: number): (value: string, msisdn: string, iat: number) => string {
  const aad = Buffer.from(`${TOKEN_PREFIX}.${key.kid}`, 'ascii');
  const prefix = `${TOKEN_PREFIX}.${key.kid}.`;
  return (value, msisdn, iat) => {
    const plain = JSON.stringify({ a: attribute, v: value, m: msisdn, p: partnerId, iat, exp: iat + lifetimeSeconds });
    const iv = randomSlice(12);
    const ivB64 = iv.toString('base64url');
    const c = createCipheriv('aes-256-gcm', key.key, iv);
    c.setAAD(aad);
    const ct = c.update(plain, 'utf8');
    c.final(); // GCM emits nothing here; it computes the tag
    return `${prefix}${ivB64}.${Buffer.concat([ct, c.getAuthTag()]).toString('base64url')}`;
  };
}

export type ResolveResult = { ok: true; token: TokenContents } | { ok: false; reason: 'malformed' | 'unknown-key' | 'forged' | 'expired'; expiredAt?: number };

/** Opens a token with whichever valid key its kid names; refuses forged, unknown-key and expired ones. */
export function resolveToken(token: string, keys: readonly TokenKeyRef[], nowSeconds = Math.floor(Date.now() / 1000)): ResolveResult {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== TOKEN_PREFIX || token.length > 2048) return { ok: false, reason: 'malformed' };
  const [, kid, ivB64, bodyB64] = parts as [string, string, string, string];
  const key = keys.find((k) => k.kid === kid);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const iv = Buffer.from(ivB64, 'base64url');
  const body = Buffer.from(bodyB64, 'base64url');
  if (iv.length !== 12 || body.length < 17) return { ok: false, reason: 'malformed' };
  let plain: string;
  try {
    const d = createDecipheriv('aes-256-gcm', key.key, iv);
    d.setAAD(Buffer.from(`${TOKEN_PREFIX}.${kid}`, 'ascii'));
    d.setAuthTag(body.subarray(body.length - 16));
    plain = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8');
  } catch {
    return { ok: false, reason: 'forged' };
  }
  const j = JSON.parse(plain) as { a: string; v: string; m: string; p: string; iat: number; exp: number };
  if (nowSeconds >= j.exp) return { ok: false, reason: 'expired', expiredAt: j.exp };
  return { ok: true, token: { attribute: j.a, value: j.v, msisdn: j.m, partner: j.p, issuedAt: j.iat, expiresAt: j.exp } };
}
