// Sender-constrained tokens (RFC 9449, DPoP), for partners that use them: a
// token requested with a DPoP proof is bound to the partner's proof key
// (jkt); every API call with it must carry a fresh proof signed by that same
// key, for that method and URL and that token. A token of one partner is then
// useless to anyone else, even if it leaks. Partners that send no proof get
// plain bearer tokens (the CAMARA profile does not require DPoP).
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { SingleUseStore } from './single-use-store.js';

/** The proof algorithms advertised (metadata, DPoP challenges); 'Ed25519' is accepted too, as jose's other name for EdDSA. */
export const DPOP_ALGS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] as const;
const ALGS = [...DPOP_ALGS, 'Ed25519'];
const MAX_AGE_S = 60;

export type ProofResult = { ok: true; jkt: string } | { ok: false; reason: string };

export class DpopVerifier {
  private readonly seen: SingleUseStore<true>;

  constructor(maxRemembered: number) {
    this.seen = new SingleUseStore<true>(maxRemembered);
  }

  /** Checks a DPoP proof for method + URL (and, on API calls, the access token it accompanies). */
  async verify(proof: string, method: string, url: string, accessToken?: string): Promise<ProofResult> {
    let payload;
    let header;
    try {
      ({ payload, protectedHeader: header } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ALGS, maxTokenAge: `${MAX_AGE_S}s`, clockTolerance: 5 }));
    } catch (err) {
      return { ok: false, reason: `DPoP proof not valid (${(err as { code?: string }).code ?? 'invalid'})` };
    }
    if (payload.htm !== method) return { ok: false, reason: 'DPoP proof is for another method' };
    if (typeof payload.htu !== 'string' || stripQuery(payload.htu) !== url) return { ok: false, reason: 'DPoP proof is for another URL' };
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) return { ok: false, reason: 'DPoP proof has no jti' };
    if (accessToken !== undefined && payload.ath !== createHash('sha256').update(accessToken).digest('base64url'))
      return { ok: false, reason: 'DPoP proof is for another access token' };
    const jkt = await calculateJwkThumbprint(header.jwk as JWK);
    const put = this.seen.put(`${jkt}\u0000${payload.jti}`, true, Date.now() + (MAX_AGE_S + 10) * 1000);
    if (!put.ok) return { ok: false, reason: put.why === 'duplicate' ? 'DPoP proof replayed' : 'too many DPoP proofs to remember right now' };
    return { ok: true, jkt };
  }

  close(): void {
    this.seen.close();
  }
}

function stripQuery(u: string): string {
  const i = u.search(/[?#]/);
  return i === -1 ? u : u.slice(0, i);
}
