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
  // Partner ids and hosts are restricted to [a-z0-9._:-], attributes to [a-z-]: safe inside JSON strings as they are.
  // The protected header only changes with the host and the second, so it is encoded once per (host, second)
  // and reused: per request there is one AES-GCM over a few bytes and the base64url of the IV, ciphertext and tag.
  const head = `{"alg":"dir","enc":"A256GCM","typ":"${SEALED_TYP}","att":"${attribute}","pid":"${partnerId}","aud":"`;
  const byHost = new Map<string, { iat: number; b64: string; aad: Buffer }>();
  const header = (host: string, iat: number) => {
    let h = byHost.get(host);
    if (h === undefined || h.iat !== iat) {
      const b64 = Buffer.from(`${head}${host}","iat":${iat},"exp":${iat + lifetimeSeconds}}`, 'utf8').toString('base64url');
      h = { iat, b64, aad: Buffer.from(b64, 'ascii') };
      if (byHost.size > 256) byHost.clear(); // a wildcard partner with very many hosts: keep the cache bounded
      byHost.set(host, h);
    }
    return h;
  };
  return (value, host, iat) => {
    const h = header(host, iat);
    const iv = randomSlice(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(h.aad);
    const ct = cipher.update(value, 'utf8');
    cipher.final(); // GCM emits nothing here; it computes the tag
    return `${h.b64}..${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  };
}
