// GET and POST /authorize: the OIDC authorisation endpoint with network-based
// authentication. The parameters come in the query or a form body
// (authorize-params.ts), or in a request object the partner signed
// (request-object.ts). No login page: the subscriber is recognised by the
// connection's source address through the binding store (prompt=none is
// implied). Errors about the client or the redirect URI are answered here
// (never redirected: that would be an open redirector); every other error goes
// back to the registered redirect URI as an OIDC error. Nothing here is a page
// that could be framed.
import type http from 'node:http';
import { isFrontDoorScope, type FrontDoorScope } from '../config/front-door-scopes.js';
import type { FrontDoorContext } from './context.js';
import { redirect, sendJson } from './http.js';
import { NETWORK_AMR, opaqueSecret, type CodeGrant } from './grants.js';
import { authorizeParams } from './authorize-params.js';
import { claimedParameter, type RequestObject } from './request-object.js';

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const MAX_PARAM = 2048;
/** A request object carries every parameter and a signature (an RSA-4096 one is 683 characters). */
const MAX_REQUEST_OBJECT = 8192;

export async function handleAuthorize(ctx: FrontDoorContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL, clientAddress: string): Promise<void> {
  const read = await authorizeParams(req, url, ctx.maxBodyBytes);
  if (!read.ok) return local(ctx, res, 'unknown', 'invalid_request', read.description, read.status);
  const outer = read.params;
  const policy = ctx.policy();
  // Duplicated parameters are ambiguous (RFC 6749 3.1): refuse them.
  for (const k of new Set(outer.keys()))
    if (outer.getAll(k).length > 1 || (outer.get(k) ?? '').length > (k === 'request' ? MAX_REQUEST_OBJECT : MAX_PARAM))
      return local(ctx, res, 'unknown', 'invalid_request', `parameter ${k} is repeated or too long`);
  // client_id is always a plain parameter, signed request or not (RFC 9101 §5).
  const clientId = outer.get('client_id');
  const partner = clientId !== null ? policy.clients.get(clientId) : undefined;
  const client = partner?.frontDoor;
  if (!partner || !client) return local(ctx, res, 'unknown', 'invalid_client', 'unknown client_id');

  // A signed request: its parameters, and only they, are the request (request-object.ts).
  // An error about it goes to a registered redirect URI it or the query names, else is answered here.
  let q = outer;
  let signed: RequestObject | undefined;
  const jwt = outer.get('request');
  if (outer.has('request_uri') || jwt !== null) {
    const refuse = (error: string, description: string): void => {
      const to = outer.get('redirect_uri') ?? (jwt !== null ? claimedParameter(jwt, 'redirect_uri') : undefined);
      // The state goes back with the error (RFC 6749 §4.1.2.1): SDKs put it in the object only, and
      // without it report a missing state instead of this error. Echoing it unverified gives no one
      // anything: any request naming a registered redirect URI gets its state back with an error.
      const claimed = jwt !== null ? claimedParameter(jwt, 'state') : undefined;
      const state = (claimed !== undefined && claimed.length <= MAX_PARAM ? claimed : undefined) ?? outer.get('state') ?? undefined;
      ctx.metrics.step('authorize', partner.id, error);
      if (to !== undefined && client.redirectUris.has(to)) redirect(res, to, { error, error_description: description, state, iss: ctx.endpoints.issuer });
      else sendJson(res, 400, { error, error_description: description });
    };
    if (outer.has('request_uri')) return refuse('request_uri_not_supported', 'request_uri is not supported: send the request object by value (request)');
    const r = await ctx.requestObjects.verify(jwt!, client, outer);
    if (!r.ok) return refuse('invalid_request_object', r.description);
    signed = r;
    q = r.params;
  }
  const redirectUri = q.get('redirect_uri');
  if (redirectUri === null || !client.redirectUris.has(redirectUri))
    return local(ctx, res, partner.id, 'invalid_request', 'redirect_uri is not registered for this client (exact match)');

  const state = q.get('state') ?? undefined;
  const fail = (error: string, description: string): void => {
    ctx.metrics.step('authorize', partner.id, error);
    redirect(res, redirectUri, { error, error_description: description, state, iss: ctx.endpoints.issuer });
  };
  if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
  const mode = q.get('response_mode');
  if (mode !== null && mode !== 'query') return fail('invalid_request', 'only response_mode=query is supported');
  const prompt = q.get('prompt');
  if (prompt !== null && prompt !== 'none') return fail('interaction_required', 'the network authenticates the subscriber; there is no interaction (prompt=none)');

  const requested = (q.get('scope') ?? '').split(' ').filter(Boolean);
  if (!requested.includes('openid')) return fail('invalid_scope', 'scope must include openid');
  // The CAMARA profile ("Purpose as a scope"): exactly one purpose, `dpv:…`, whenever
  // personal data is accessed — and every front-door scope discloses some (the ID
  // token's pairwise sub at least), so every request names its purpose, the client's own.
  const purposes = requested.filter((s) => s.startsWith('dpv:'));
  if (purposes.length !== 1) return fail('invalid_scope', `scope must contain exactly one purpose (dpv:…), the one registered for this client; it has ${purposes.length}`);
  if (purposes[0] !== client.purpose) return fail('invalid_scope', 'the purpose does not match the purpose registered for this client');
  const scopes: FrontDoorScope[] = [];
  for (const s of requested) {
    if (s === 'openid' || s === client.purpose) continue;
    if (!isFrontDoorScope(s) || !client.scopes.has(s)) return fail('invalid_scope', 'a requested scope is not granted to this client');
    if (!scopes.includes(s)) scopes.push(s);
  }
  if (scopes.length === 0) return fail('invalid_scope', 'ask for at least one API scope');
  if (partner.until !== undefined && Date.now() >= partner.until) return fail('unauthorized_client', "the client's agreement has ended");

  const challenge = q.get('code_challenge');
  if (challenge === null || q.get('code_challenge_method') !== 'S256' || !PKCE_CHALLENGE.test(challenge))
    return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
  const nonce = q.get('nonce') ?? undefined;

  const who = await ctx.identifier.identify(ctx.nextId(), clientAddress, ctx.target('/authorize'), policy, partner);
  if (who.kind === 'store-unavailable') return fail('temporarily_unavailable', 'the subscriber cannot be recognised right now');
  if (who.kind === 'unbound') return fail('login_required', 'this connection is not a mobile data connection the operator can authenticate');
  if (who.kind === 'opted-out') return fail('access_denied', 'the subscriber does not share data with this client');

  const code = opaqueSecret();
  const now = Date.now();
  const grant: CodeGrant = {
    clientId: client.clientId,
    partnerId: partner.id,
    redirectUri,
    scopes,
    purpose: client.purpose,
    nonce,
    codeChallenge: challenge,
    subscriber: who.subscriber,
    clientAddress,
    authTime: Math.floor(now / 1000),
    identifiedAt: now,
    amr: [NETWORK_AMR],
  };
  // A signed request is spent with the code it grants, in the same synchronous step:
  // of two concurrent uses of one, only the first gets a code.
  if (signed) {
    const spent = ctx.requestObjects.remember(signed);
    if (spent === 'replayed') return fail('invalid_request_object', 'the request object was used before (jti seen before)');
    if (spent === 'full') return fail('temporarily_unavailable', 'too many signed authorisation requests outstanding for this client');
  }
  // Pending codes are counted per client and per phone (an IPv6 phone by its /64, server.ts): a
  // phone, or a page it loads, that opens /authorize in a loop fills only its own share.
  const put = ctx.codes.put(code, grant, now + ctx.codeLifetimeMs, now);
  if (!put.ok) {
    if (signed) ctx.requestObjects.forget(signed);
    return fail(
      'temporarily_unavailable',
      put.why === 'quota' && put.quota === 'address'
        ? 'too many pending authorisations from this connection; use or let expire the codes already issued'
        : put.why === 'quota'
          ? 'too many pending authorisations for this client'
          : 'too many pending authorisations',
    );
  }
  ctx.metrics.step('authorize', partner.id, 'ok');
  redirect(res, redirectUri, { code, state, iss: ctx.endpoints.issuer });
}

/** An error that must not be redirected (unknown client, unregistered redirect URI): a JSON answer, not a page. */
function local(ctx: FrontDoorContext, res: http.ServerResponse, partner: string, error: string, description: string, status = 400): void {
  ctx.metrics.step('authorize', partner, error);
  sendJson(res, status, { error, error_description: description });
}
