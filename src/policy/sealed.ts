// The `sealed` form: the identifier encrypted for one partner as a JWE
// compact serialisation (RFC 7516), `alg: dir`, `enc: A256GCM`, under the
// partner's own 256-bit key. The protected header — GCM's authenticated data —
// binds the partner id (`pid`), the destination host (`aud`), the issue time
// (`iat`) and the end of validity (`exp`): the partner kit refuses a token at
// another host, for another partner or after `exp`; a changed bit fails the
// tag. Any JOSE library opens it (`jose.compactDecrypt`). The format is
// versioned by `typ` ("hedge-sealed+v1"); see docs/partners.md.
//
// Hot path: the key is a KeyObject made at load; per request this is one
// AES-GCM over a few bytes and string building, no JSON.stringify.
import { createCipheriv, type KeyObject } from 'node:crypto';
import { randomSlice } from './random-pool.js';

export const SEALED_TYP = 'hedge-sealed+v1';

/** Returns seal(value, host, iatSeconds) for one partner and attribute. */
export function sealer(partnerId: string, attribute: string, key: KeyObject, lifetimeSeconds: number): (value: string, host: string, iat: number) => string {
  // Partner ids and hosts are restricted to [a-z0-9._-], attributes to [a-z-]: safe inside JSON strings as they are.
  const head = `{"alg":"dir","enc":"A256GCM","typ":"${SEALED_TYP}","att":"${attribute}","pid":"${partnerId}","aud":"`;
  return (value, host, iat) => {
    const protectedB64 = Buffer.from(`${head}${host}","iat":${iat},"exp":${iat + lifetimeSeconds}}`, 'utf8').toString('base64url');
    const iv = randomSlice(12);
    const ivB64 = iv.toString('base64url');
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${protectedB64}..${ivB64}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  };
}
