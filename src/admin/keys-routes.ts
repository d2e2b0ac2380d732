// Admin endpoints for enrichment keys:
//   GET  /.well-known/jwks.json   the public signing keys (no token needed: public by design)
//   POST /tokens/resolve          {token, partner?} → the subscriber behind a `token` value
// Resolution is for the operator's own systems (carrier billing): it needs the
// admin bearer token whenever one is configured, and logs partner and
// attribute, never the value.
import type { CompiledPolicy } from '../policy/compile.js';
import type { Metrics } from '../shared/metrics.js';
import type { Logger } from '../shared/log.js';
import { ErrorCodes } from '../shared/errors.js';
import { readJson, refuseBody, sendError, sendJson, type AdminRoute } from '../shared/http.js';
import { resolveToken } from '../policy/token.js';

export const JWKS_PATHS = new Set(['/.well-known/jwks.json', '/keys/jwks.json']);

export function jwksRoute(policy: () => CompiledPolicy): AdminRoute {
  return (req, res, url) => {
    if (!JWKS_PATHS.has(url.pathname)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, ErrorCodes.METHOD, 'use GET', { allow: 'GET, HEAD' });
      return true;
    }
    const m = policy().material;
    sendJson(res, 200, m ? m.jwks : { keys: [] }, { 'cache-control': 'public, max-age=300' });
    return true;
  };
}

export function tokenResolveRoute(policy: () => CompiledPolicy, metrics: Metrics, log: Logger): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname !== '/tokens/resolve') return false;
    if (req.method !== 'POST') {
      sendError(res, 405, ErrorCodes.METHOD, 'use POST with {"token": "..."}', { allow: 'POST' });
      return true;
    }
    let body: { token?: unknown; partner?: unknown };
    try {
      body = ((await readJson(req)) ?? {}) as typeof body;
    } catch (err) {
      refuseBody(res, err, ErrorCodes.TOKEN_INVALID);
      return true;
    }
    if (typeof body.token !== 'string' || (body.partner !== undefined && typeof body.partner !== 'string')) {
      sendError(res, 400, ErrorCodes.TOKEN_INVALID, 'body must be {"token": string, "partner"?: string}');
      return true;
    }
    const keys = policy().material?.tokenKeys ?? [];
    const r = resolveToken(body.token, keys);
    if (!r.ok) {
      if (r.reason === 'expired') {
        metrics.tokenResolution('expired');
        sendError(res, 410, ErrorCodes.TOKEN_EXPIRED, 'the token has expired');
      } else {
        metrics.tokenResolution('invalid');
        sendError(res, r.reason === 'malformed' ? 400 : 404, ErrorCodes.TOKEN_INVALID, r.reason === 'malformed' ? 'not a hedge token' : 'no such token');
      }
      log.info('token resolution refused', { reason: r.reason });
      return true;
    }
    if (body.partner !== undefined && body.partner !== r.token.partner) {
      metrics.tokenResolution('invalid');
      sendError(res, 404, ErrorCodes.TOKEN_INVALID, 'no such token');
      log.info('token resolution refused', { reason: 'partner-mismatch', partner: body.partner });
      return true;
    }
    metrics.tokenResolution('resolved');
    log.info('token resolved', { partner: r.token.partner, attribute: r.token.attribute });
    const t = r.token;
    sendJson(res, 200, {
      partner: t.partner,
      attribute: t.attribute,
      value: t.value,
      subscriber: { msisdn: t.msisdn },
      issuedAt: new Date(t.issuedAt * 1000).toISOString(),
      expiresAt: new Date(t.expiresAt * 1000).toISOString(),
    });
    return true;
  };
}
