// private_key_jwt client authentication (OIDC Core 9, RFC 7523), the one
// method the CAMARA profile allows: the partner signs a short-lived assertion
// with its private key; we check it against the public keys in the policy,
// check iss = sub = client id, aud = our token endpoint (or issuer), exp,
// and that its jti was never seen before (replays are refused).
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { CompiledPolicy, CompiledPartner } from '../policy/compile.js';
import type { CompiledFrontDoorClient } from '../policy/front-door-clients.js';
import { SingleUseStore } from './single-use-store.js';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];
/** Longest an assertion may live: a partner signs one per token request. */
const MAX_ASSERTION_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 30;

export type ClientAuthResult = { ok: true; partner: CompiledPartner; client: CompiledFrontDoorClient } | { ok: false; reason: string };

export class ClientAuthenticator {
  private readonly keySets = new WeakMap<CompiledFrontDoorClient, JWTVerifyGetKey>();
  private readonly seen: SingleUseStore<true>;

  constructor(
    private readonly audiences: string[],
    maxRemembered: number,
  ) {
    this.seen = new SingleUseStore<true>(maxRemembered);
  }

  async authenticate(policy: CompiledPolicy, form: URLSearchParams): Promise<ClientAuthResult> {
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) return { ok: false, reason: 'client_assertion_type must be jwt-bearer (private_key_jwt)' };
    const assertion = form.get('client_assertion');
    if (!assertion) return { ok: false, reason: 'client_assertion missing' };
    if (form.has('client_secret')) return { ok: false, reason: 'only private_key_jwt is accepted' };
    let iss: unknown;
    try {
      iss = decodeJwt(assertion).iss;
    } catch {
      return { ok: false, reason: 'client_assertion is not a JWT' };
    }
    if (typeof iss !== 'string') return { ok: false, reason: 'client_assertion has no iss' };
    const claimedId = form.get('client_id');
    if (claimedId !== null && claimedId !== iss) return { ok: false, reason: 'client_id does not match the assertion' };
    const partner = policy.clients.get(iss);
    const client = partner?.frontDoor;
    if (!partner || !client) return { ok: false, reason: 'unknown client' };
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(assertion, this.keySet(client), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.audiences,
        algorithms: CLIENT_ASSERTION_ALGS,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      return { ok: false, reason: `client assertion not valid (${(err as { code?: string }).code ?? 'invalid'})` };
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = claims.exp!;
    if (exp - now > MAX_ASSERTION_LIFETIME_S) return { ok: false, reason: `client assertion lives longer than ${MAX_ASSERTION_LIFETIME_S} s` };
    if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 256) return { ok: false, reason: 'client assertion jti missing' };
    // Single use: remembered until it would have expired anyway.
    if (!this.seen.add(`${client.clientId}\u0000${claims.jti}`, true, (exp + CLOCK_TOLERANCE_S) * 1000))
      return { ok: false, reason: 'client assertion replayed (jti seen before)' };
    return { ok: true, partner, client };
  }

  private keySet(client: CompiledFrontDoorClient): JWTVerifyGetKey {
    let ks = this.keySets.get(client);
    if (!ks) this.keySets.set(client, (ks = createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0])));
    return ks;
  }

  close(): void {
    this.seen.close();
  }
}
