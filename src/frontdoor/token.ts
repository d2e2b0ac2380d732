// POST /token: exchanges a code for an ID token and a single-use access token.
// The client authenticates with private_key_jwt; the code must be its own,
// unexpired, unused, for the same redirect URI, and match the PKCE verifier.
// A replayed code also revokes the token issued for it (RFC 6749 4.1.2), even
// when the replay arrives while the first exchange is still being answered.
// The ID token's pairwise `sub` is a disclosure: recorded before the answer
// (and signed only once recorded).
import type http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FrontDoorContext } from './context.js';
import { BodyError, mediaType, readBody, sendJson } from './http.js';
import { opaqueSecret, type AccessGrant, type UsedCode } from './grants.js';
import { signIdToken } from './id-token.js';
import { ID_TOKEN_DISCLOSURE, ID_TOKEN_SUB } from '../config/front-door-scopes.js';
import { holderEpochAt } from '../identity/holder.js';

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export async function handleToken(ctx: FrontDoorContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, ctx.maxBodyBytes);
  } catch (err) {
    return tokenError(ctx, res, 'unknown', 400, 'invalid_request', err instanceof BodyError ? err.message : 'unreadable body');
  }
  if (mediaType(req) !== 'application/x-www-form-urlencoded') return tokenError(ctx, res, 'unknown', 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  const form = new URLSearchParams(body.toString('utf8'));
  for (const k of new Set(form.keys())) if (form.getAll(k).length > 1) return tokenError(ctx, res, 'unknown', 400, 'invalid_request', `parameter ${k} is repeated`);
  const policy = ctx.policy();
  const auth = await ctx.clientAuth.authenticate(policy, form);
  if (!auth.ok) return tokenError(ctx, res, 'unknown', 401, 'invalid_client', auth.reason);
  const { partner, client } = auth;

  const grantType = form.get('grant_type');
  if (grantType !== 'authorization_code') return tokenError(ctx, res, partner.id, 400, 'unsupported_grant_type', 'only authorization_code is supported (no refresh tokens)');
  // From here to remember() and the used-code mark, nothing is awaited: the
  // assertion, the code and its PKCE check are judged and recorded in one step.
  const admitted = ctx.clientAuth.admit(auth);
  if (admitted === 'replayed') return tokenError(ctx, res, 'unknown', 401, 'invalid_client', 'client assertion replayed (jti seen before)');
  if (admitted === 'full' || !ctx.usedCodes.room({ clientId: client.clientId, token: undefined, replayed: false }).ok)
    return tokenError(ctx, res, partner.id, 503, 'temporarily_unavailable', 'too many outstanding token requests for this client');
  const code = form.get('code') ?? '';
  const taken = ctx.codes.take(code);
  if (!taken) {
    const used = ctx.usedCodes.peek(code);
    if (used && !used.replayed) {
      // A code used twice: revoke what the first use got (or, still in flight, keep it from being issued).
      used.replayed = true;
      if (used.token !== undefined) ctx.tokens.delete(used.token);
    }
    return tokenError(ctx, res, partner.id, 400, 'invalid_grant', 'the code is unknown, already used or expired');
  }
  if (!('value' in taken)) return tokenError(ctx, res, partner.id, 400, 'invalid_grant', 'the code has expired');
  const g = taken.value;
  if (g.clientId !== client.clientId) return tokenError(ctx, res, partner.id, 400, 'invalid_grant', 'the code was issued to another client');
  if (form.get('redirect_uri') !== g.redirectUri) return tokenError(ctx, res, partner.id, 400, 'invalid_grant', 'redirect_uri differs from the authorisation request');
  const verifier = form.get('code_verifier') ?? '';
  if (!VERIFIER.test(verifier) || !sameText(createHash('sha256').update(verifier).digest('base64url'), g.codeChallenge))
    return tokenError(ctx, res, partner.id, 400, 'invalid_grant', 'PKCE verification failed');
  // The grant is good: the assertion is spent, and the code is marked used before anything is awaited.
  ctx.clientAuth.remember(auth);
  const used: UsedCode = { clientId: client.clientId, token: undefined, replayed: false };
  ctx.usedCodes.put(code, used, Date.now() + ctx.codeLifetimeMs);
  const subOf = client.sub;
  if (!subOf || !policy.material) return tokenError(ctx, res, partner.id, 500, 'server_error', 'the client has no pairwise subject key (keys.file has no pseudonym key)');

  // DPoP (optional): bind the token to the key the partner proves it holds.
  let jkt: string | undefined;
  const proof = req.headers.dpop;
  if (proof !== undefined) {
    const p = typeof proof === 'string' ? await ctx.dpop.verify(proof, 'POST', ctx.endpoints.token) : { ok: false as const, reason: 'one DPoP header' };
    if (!p.ok) return tokenError(ctx, res, partner.id, 400, 'invalid_dpop_proof', p.reason);
    jkt = p.jkt;
  }
  const now = Date.now();
  const accessToken = opaqueSecret();
  const access: AccessGrant = {
    clientId: client.clientId,
    partnerId: partner.id,
    scopes: new Set(g.scopes),
    purpose: g.purpose,
    subscriber: g.subscriber,
    clientAddress: g.clientAddress,
    amr: g.amr,
    jkt,
  };
  const lifetimeS = Math.floor(ctx.tokenLifetimeMs / 1000);
  // The algorithm the client chose, never the other: a client configured for RS256 may reject anything else.
  const key =
    client.idTokenAlg === 'RS256' ? policy.material.idTokenRsa && { ...policy.material.idTokenRsa, alg: 'RS256' as const } : { ...policy.material.signing, alg: 'EdDSA' as const };
  if (!key) return tokenError(ctx, res, partner.id, 500, 'server_error', 'no RSA key to sign the ID token with (keys.file has no RSA ID-token key)');
  // The `sub` is the pseudonym of the number's holder when the subscriber was
  // identified, from the holder times the discloser's consent check reads: a
  // recycled number's new holder is a new subject (and a code issued to the
  // previous holder before the handover stays theirs). No holder, no `sub`.
  let sub: string | undefined;
  const recorded = await ctx.discloser.commit({
    requestId: ctx.nextId(),
    partner,
    subscriber: g.subscriber,
    clientAddress: g.clientAddress,
    target: ctx.target('/token'),
    scope: ID_TOKEN_SUB,
    what: ID_TOKEN_DISCLOSURE,
    policy,
    value: (holder) => (sub = subOf({ subscriber: g.subscriber, clientAddress: g.clientAddress, host: '', iat: 0, holderEpoch: holderEpochAt(holder, g.identifiedAt) })),
  });
  // The grant is checked again here (disclose.ts): consent withdrawn, optOut or the agreement ended since the code was issued.
  if (recorded === 'refused')
    return tokenError(
      ctx,
      res,
      partner.id,
      400,
      'invalid_grant',
      "the grant is no longer in force: the subscriber no longer shares data with this client, or the client's agreement has ended",
    );
  if (recorded !== 'recorded') return tokenError(ctx, res, partner.id, 503, 'temporarily_unavailable', 'the answer cannot be checked or recorded right now');
  if (sub === undefined) return tokenError(ctx, res, partner.id, 500, 'server_error', 'no subject');
  const idToken = await signIdToken(key, {
    issuer: ctx.endpoints.issuer,
    clientId: client.clientId,
    sub,
    nonce: g.nonce,
    authTime: g.authTime,
    amr: g.amr,
    lifetimeSeconds: lifetimeS,
  });
  // The same code was presented again while this exchange was signing and recording: no token for either.
  if (used.replayed) return tokenError(ctx, res, partner.id, 400, 'invalid_grant', 'the code was used more than once');
  if (!ctx.tokens.put(accessToken, access, now + ctx.tokenLifetimeMs).ok) return tokenError(ctx, res, partner.id, 503, 'temporarily_unavailable', 'too many outstanding tokens');
  used.token = accessToken;
  ctx.metrics.step('token', partner.id, 'ok');
  sendJson(res, 200, { access_token: accessToken, token_type: jkt ? 'DPoP' : 'Bearer', expires_in: lifetimeS, id_token: idToken, scope: ['openid', ...g.scopes].join(' ') });
}

function tokenError(ctx: FrontDoorContext, res: http.ServerResponse, partner: string, status: number, error: string, description: string): void {
  ctx.metrics.step('token', partner, error);
  sendJson(res, status, { error, error_description: description });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
