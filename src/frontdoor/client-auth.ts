// private_key_jwt client authentication (OIDC Core 9, RFC 7523), the one
// method the CAMARA profile allows: the partner signs a short-lived assertion
// with its private key; we check it against the public keys in the policy,
// check iss = sub = client id, aud = our issuer identifier alone, exp,
// and that its jti was never seen before (replays are refused).
//
// The audience is our issuer identifier and nothing else (the 2025 "audience
// injection" findings, draft-ietf-oauth-rfc7523bis): a client that talks to
// several authorisation servers with one key signs, for a hostile one, an
// assertion whose `aud` is whatever that server names as its token endpoint —
// which may be ours — or, as SDKs that send [issuer, token endpoint] do, an
// array holding it beside the hostile server's own issuer. Accepting any
// member of an array, or our token endpoint URL, lets the hostile server
// replay that assertion here as the client. Only the issuer identifier is
// safe: a client checks it against the discovery document it fetched, so a
// hostile server cannot claim ours. Accepted: the issuer as a string (the
// draft's form), or an array whose only member is the issuer (tolerated: it
// names no one else). Refused: the token endpoint URL, an array with any
// other member.
//
// A jti is remembered only once the request it came with has been judged good
// (the token endpoint calls remember() after the code and PKCE checks, in the
// same synchronous step as admit()): assertions sent with a bogus code or any
// other failing request are not kept, so a partner cannot fill the memory
// with them. What is kept is counted per client (its own share of maxPending).
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { CompiledPolicy, CompiledPartner } from '../policy/compile.js';
import type { CompiledFrontDoorClient } from '../policy/front-door-clients.js';
import { SingleUseStore } from './single-use-store.js';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];
/** Longest an assertion may live: a partner signs one per token request. */
const MAX_ASSERTION_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 30;

export type ClientAuthResult =
  | { ok: true; partner: CompiledPartner; client: CompiledFrontDoorClient; /** Remembered under this key … */ jtiKey: string; /** … until then (ms). */ rememberUntil: number }
  | { ok: false; reason: string };
type Authenticated = Extract<ClientAuthResult, { ok: true }>;

export class ClientAuthenticator {
  private readonly keySets = new WeakMap<CompiledFrontDoorClient, JWTVerifyGetKey>();
  /** Assertions already used (client id + jti) → the client id, counted per client. */
  private readonly seen: SingleUseStore<string>;

  constructor(
    /** Our issuer identifier: the one audience an assertion may name. */
    private readonly issuer: string,
    maxRemembered: number,
    maxPerClient: number,
  ) {
    this.seen = new SingleUseStore<string>(maxRemembered, [{ name: 'client', max: maxPerClient, keyOf: (clientId) => clientId }]);
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
        audience: this.issuer,
        algorithms: CLIENT_ASSERTION_ALGS,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      return { ok: false, reason: `client assertion not valid (${(err as { code?: string }).code ?? 'invalid'})` };
    }
    // jose accepts an array holding the issuer among others: only the issuer alone is good.
    const aud = claims.aud;
    if ((Array.isArray(aud) ? (aud.length === 1 ? aud[0] : undefined) : aud) !== this.issuer)
      return { ok: false, reason: 'client assertion aud must be the issuer identifier alone (no other audience, not the token endpoint)' };
    const now = Math.floor(Date.now() / 1000);
    const exp = claims.exp!;
    if (exp - now > MAX_ASSERTION_LIFETIME_S) return { ok: false, reason: `client assertion lives longer than ${MAX_ASSERTION_LIFETIME_S} s` };
    if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 256) return { ok: false, reason: 'client assertion jti missing' };
    const jtiKey = `${client.clientId}\u0000${claims.jti}`;
    if (this.seen.peek(jtiKey) !== undefined) return { ok: false, reason: 'client assertion replayed (jti seen before)' };
    // Single use: remembered (by remember()) until it would have expired anyway.
    return { ok: true, partner, client, jtiKey, rememberUntil: (exp + CLOCK_TOLERANCE_S) * 1000 };
  }

  /**
   * Checked again just before the request is judged (another request with the
   * same assertion may have finished meanwhile): 'replayed', or 'full' when
   * the assertion could not be remembered (the client's share or the store
   * is full). Call remember() in the same synchronous step once it is good.
   */
  admit(a: Authenticated): 'ok' | 'replayed' | 'full' {
    if (this.seen.peek(a.jtiKey) !== undefined) return 'replayed';
    return this.seen.room(a.client.clientId).ok ? 'ok' : 'full';
  }

  /** Records the assertion as used; false only when admit() was not called in the same step. */
  remember(a: Authenticated): boolean {
    return this.seen.put(a.jtiKey, a.client.clientId, a.rememberUntil).ok;
  }

  /** The client's registered public keys, also the keys its signed authorisation requests are checked with (request-object.ts). */
  keySet(client: CompiledFrontDoorClient): JWTVerifyGetKey {
    let ks = this.keySets.get(client);
    if (!ks) this.keySets.set(client, (ks = createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0])));
    return ks;
  }

  close(): void {
    this.seen.close();
  }
}
