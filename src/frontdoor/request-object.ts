// Signed authorisation requests: request objects (RFC 9101, OIDC Core §6.1),
// which the CAMARA security and interoperability profile says the front door
// MUST support ("Signed Authentication Requests"). The partner signs the
// authorisation request as a JWT with a key from its registered JWKS (the
// keys of its private_key_jwt client authentication); the phone carries it in
// the `request` parameter. What is checked, and why:
//
// - signed (never `alg: none`, never encrypted) with one of the client's keys,
//   `iss` = the client id, `aud` = the issuer or the authorisation endpoint
//   (the profile: reject an `aud` not associated with this server) as the
//   one audience: a string, or an array of that one value — never an array
//   with more (audience injection, as for client assertions in
//   draft-ietf-oauth-rfc7523bis: an object a partner signed for another
//   server as well would be honoured here);
// - `iat`, `exp` and `jti` present (the profile), `iat` not later than the time
//   of receipt (give or take 5 s of clock skew) and `exp - iat` ≤ 300 s (the
//   profile), `nbf` and `exp` honoured;
// - no `sub`: a JWT signed by the client with `iss` = `sub` = client id would
//   also pass as a client assertion at /token, and this one travels through
//   the phone's browser (the profile recommends clients never send it);
// - the `jti` is single-use: remembered (per client, its own share) from the
//   moment the request it came with is granted until its `exp` plus the clock
//   skew (as long as the object would be accepted);
// - `client_id` in the query must equal the object's (RFC 9101 §6.3), and
//   `response_type`, `scope`, `redirect_uri`, when also sent in the query (the
//   profile asks clients to), must equal the object's; every other parameter
//   is taken from the object alone: nothing appended to the URL by whoever
//   carries it (a PKCE challenge, a state) is used.
//
// `request_uri` is not supported (request_uri_not_supported).
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { CompiledFrontDoorClient } from '../policy/front-door-clients.js';
import { CLIENT_ASSERTION_ALGS } from './client-auth.js';
import { SingleUseStore } from './single-use-store.js';

/** The algorithms a request object may be signed with: those of client assertions (the same keys sign both). */
export const REQUEST_OBJECT_ALGS = CLIENT_ASSERTION_ALGS;
/** The profile: the difference between `exp` and `iat` is at most 300 s. */
const MAX_LIFETIME_S = 300;
/**
 * Clock skew allowed between partner and gateway, as for DPoP proofs. The
 * profile says to reject an `iat` later than receipt; read with no tolerance,
 * a partner clock a few milliseconds ahead is refused whenever its second
 * ticks over first — about one request in a hundred for 10 ms of skew.
 */
const CLOCK_SKEW_S = 5;
/** Parameters the profile wants in the query as well; when they are there, they must match the object's. */
const MIRRORED = ['response_type', 'scope', 'redirect_uri'] as const;
/** The authorisation parameters the front door reads; in a request object each is a string claim. */
const PARAMETERS = ['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'prompt'];
/** Media types a request object may declare in `typ` (RFC 9101 §10.8), or none. */
const TYPES = new Set(['jwt', 'oauth-authz-req+jwt', 'application/jwt', 'application/oauth-authz-req+jwt']);

export type RequestObject = {
  ok: true;
  /** The authorisation parameters, from the object only. */
  params: URLSearchParams;
  clientId: string;
  /** Remembered under this key (client id + jti) … */
  jtiKey: string;
  /** … until then (ms). */
  rememberUntil: number;
};
export type RequestObjectResult = RequestObject | { ok: false; description: string };

export class RequestObjectVerifier {
  /** Request objects already used (client id + jti) → the client id, counted per client. */
  private readonly seen: SingleUseStore<string>;

  constructor(
    private readonly audiences: string[],
    private readonly keysOf: (client: CompiledFrontDoorClient) => JWTVerifyGetKey,
    maxRemembered: number,
    maxPerClient: number,
  ) {
    this.seen = new SingleUseStore<string>(maxRemembered, [{ name: 'client', max: maxPerClient, keyOf: (clientId) => clientId }]);
  }

  async verify(jwt: string, client: CompiledFrontDoorClient, query: URLSearchParams): Promise<RequestObjectResult> {
    const fail = (description: string): RequestObjectResult => ({ ok: false, description });
    if (jwt.split('.').length === 5) return fail('encrypted request objects are not supported: sign it (JWS)');
    let header;
    try {
      header = decodeProtectedHeader(jwt);
    } catch {
      return fail('the request object is not a JWT');
    }
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') return fail('the request object is not signed (alg none): sign it with a registered key');
    const typ: unknown = header.typ;
    if (typ !== undefined && (typeof typ !== 'string' || !TYPES.has(typ.toLowerCase()))) return fail(`a JWT of type ${String(typ)} is not a request object`);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(jwt, this.keysOf(client), {
        issuer: client.clientId,
        audience: this.audiences,
        algorithms: REQUEST_OBJECT_ALGS,
        requiredClaims: ['iat', 'exp', 'jti'],
        clockTolerance: CLOCK_SKEW_S,
      }));
    } catch (err) {
      return fail(`the request object is not valid for this client (${reason(err)})`);
    }
    // jwtVerify accepts an array with any member among ours: one naming another server too is not ours
    // alone. One audience, as for client assertions: a string, or an array of that one (then ours).
    if (Array.isArray(claims.aud) && claims.aud.length !== 1)
      return fail('request object aud must be a single audience, the issuer or the authorisation endpoint (not an array of several)');
    const now = Math.floor(Date.now() / 1000);
    const iat = claims.iat!;
    const exp = claims.exp!;
    if (iat > now + CLOCK_SKEW_S) return fail('the request object was issued in the future (iat later than its receipt)');
    if (exp - iat > MAX_LIFETIME_S) return fail(`the request object lives longer than ${MAX_LIFETIME_S} s (exp - iat)`);
    if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 256) return fail('the request object has no usable jti');
    if ('sub' in claims) return fail('a request object must not carry sub (it could then authenticate the client at /token)');
    if ('request' in claims || 'request_uri' in claims) return fail('a request object must not contain request or request_uri');
    const params = new URLSearchParams();
    for (const name of PARAMETERS) {
      const v = claims[name];
      if (v === undefined) continue;
      if (typeof v !== 'string') return fail(`${name} in the request object must be a string`);
      params.set(name, v);
    }
    if (params.get('client_id') !== client.clientId) return fail('client_id in the request object must be present and equal the client_id parameter');
    for (const name of MIRRORED) {
      if (!params.has(name)) return fail(`${name} must be in the request object`);
      const outside = query.get(name);
      if (outside !== null && outside !== params.get(name)) return fail(`${name} differs between the query and the request object`);
    }
    const jtiKey = `${client.clientId}\u0000${claims.jti}`;
    if (this.seen.peek(jtiKey) !== undefined) return fail('the request object was used before (jti seen before)');
    // Remembered for as long as the object is accepted: exp plus the skew jwtVerify allows past it
    // (until exp alone, one presented in those seconds was forgotten as soon as it was spent).
    return { ok: true, params, clientId: client.clientId, jtiKey, rememberUntil: (exp + CLOCK_SKEW_S) * 1000 };
  }

  /**
   * Records the object as used, in the same synchronous step as the code it
   * grants: 'replayed' when another request with it got there first, 'full'
   * when the client's share (or the store) is full.
   */
  remember(r: RequestObject): 'ok' | 'replayed' | 'full' {
    const put = this.seen.put(r.jtiKey, r.clientId, r.rememberUntil);
    return put.ok ? 'ok' : put.why === 'duplicate' ? 'replayed' : 'full';
  }

  /** The code could not be issued after all: the object was not spent. */
  forget(r: RequestObject): void {
    this.seen.delete(r.jtiKey);
  }

  close(): void {
    this.seen.close();
  }
}

/**
 * A parameter a request object names, before (or without) it being verified:
 * only for an error about it — whether the error may go to its redirect URI
 * (if registered), and the state to send back with it.
 */
export function claimedParameter(jwt: string, name: 'redirect_uri' | 'state'): string | undefined {
  try {
    const v = decodeJwt(jwt)[name];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason}`;
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) return 'not signed by a key registered for this client';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return (err as { code?: string }).code ?? 'invalid';
}
