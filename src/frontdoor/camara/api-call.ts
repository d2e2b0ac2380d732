// The part every CAMARA call shares: the x-correlator (validated, echoed),
// the access token (single use: consumed by this call whatever its outcome),
// the scope, and that the token came from network-based authentication.
import type http from 'node:http';
import type { FrontDoorContext } from '../context.js';
import type { AccessGrant } from '../grants.js';
import { NETWORK_AMR } from '../grants.js';
import type { FrontDoorScope } from '../../config/front-door-scopes.js';
import { CamaraErrors, type Challenge, type ErrorInfo } from './errors.js';
import { XCorrelator } from './schemas.js';
import { BodyError, mediaType, readBody } from '../http.js';
import { forbiddenMemberName } from './member-names.js';

export type CallCheck =
  | { ok: true; grant: AccessGrant; correlator: string | undefined }
  | { ok: false; error: ErrorInfo; correlator: string | undefined; partner: string; /** For a 401: the WWW-Authenticate challenge. */ challenge?: Challenge };

export function checkCall(ctx: FrontDoorContext, req: http.IncomingMessage, scope: FrontDoorScope, networkOnly: boolean): CallCheck | Promise<CallCheck> {
  const raw = req.headers['x-correlator'];
  let correlator: string | undefined;
  if (raw !== undefined) {
    if (typeof raw !== 'string' || !XCorrelator.safeParse(raw).success)
      return { ok: false, error: CamaraErrors.invalidArgument('The x-correlator header does not match the XCorrelator schema.'), correlator: undefined, partner: 'unknown' };
    correlator = raw;
  }
  const auth = req.headers.authorization;
  const m = auth !== undefined ? /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/i.exec(auth) : null;
  // No credentials (or none we can read): a challenge without an error code (RFC 6750 §3.1).
  if (!m) return { ok: false, error: CamaraErrors.unauthenticated(), correlator, partner: 'unknown', challenge: 'none' };
  const dpopScheme = m[1]!.toLowerCase() === 'dpop';
  const token = m[2]!;
  const taken = ctx.tokens.take(token);
  const scheme: Challenge = dpopScheme ? 'dpop' : 'bearer';
  if (!taken)
    return {
      ok: false,
      error: CamaraErrors.unauthenticated('The access token is unknown or was already used. A new authentication is required.'),
      correlator,
      partner: 'unknown',
      challenge: scheme,
    };
  if (!('value' in taken))
    return {
      ok: false,
      error: CamaraErrors.unauthenticated('The access token has expired. A new authentication is required.'),
      correlator,
      partner: taken.expired.partnerId,
      challenge: taken.expired.jkt !== undefined ? 'dpop' : scheme,
    };
  const grant = taken.value;
  // The scope must be in the token and still granted by the policy in force (a reload may have withdrawn it).
  if (!grant.scopes.has(scope) || ctx.policy().clients.get(grant.clientId)?.frontDoor?.scopes.has(scope) !== true)
    return { ok: false, error: CamaraErrors.permissionDenied(), correlator, partner: grant.partnerId };
  if (networkOnly && !grant.amr.includes(NETWORK_AMR)) return { ok: false, error: CamaraErrors.notByMobileNetwork(), correlator, partner: grant.partnerId };
  if (grant.jkt === undefined)
    return dpopScheme
      ? { ok: false, error: CamaraErrors.unauthenticated('A bearer token was sent as DPoP.'), correlator, partner: grant.partnerId, challenge: 'bearer' }
      : { ok: true, grant, correlator };
  // A DPoP-bound token: only with a fresh proof from the key it is bound to (RFC 9449).
  const proof = req.headers.dpop;
  if (!dpopScheme || typeof proof !== 'string')
    // RFC 9449 §7.1: a DPoP-bound token is challenged with the DPoP scheme, whatever scheme it came with.
    return {
      ok: false,
      error: CamaraErrors.unauthenticated('This access token is bound to a DPoP key: send it as "DPoP" with a proof.'),
      correlator,
      partner: grant.partnerId,
      challenge: dpopScheme ? 'dpop-proof' : 'dpop',
    };
  const url = `${ctx.endpoints.issuer.replace(/\/+$/, '')}${new URL(req.url ?? '/', 'https://x.invalid').pathname}`;
  return ctx.dpop.verify(proof, req.method ?? '', url, token).then((p): CallCheck => {
    if (p.ok && p.jkt === grant.jkt) return { ok: true, grant, correlator };
    return {
      ok: false,
      error: CamaraErrors.unauthenticated(p.ok ? 'The DPoP proof does not match the key this token is bound to.' : 'The DPoP proof is not valid for this request.'),
      correlator,
      partner: grant.partnerId,
      challenge: p.ok ? 'dpop' : 'dpop-proof',
    };
  });
}

/** Reads a JSON object body; an error names what is wrong, never echoes the body. */
export async function readJsonBody(req: http.IncomingMessage, max: number): Promise<{ ok: true; value: unknown } | { ok: false; error: ErrorInfo }> {
  let buf: Buffer;
  try {
    buf = await readBody(req, max);
  } catch (err) {
    return { ok: false, error: err instanceof BodyError && err.status === 413 ? CamaraErrors.tooLarge() : CamaraErrors.invalidArgument('The request body could not be read.') };
  }
  if (buf.length === 0) return { ok: false, error: CamaraErrors.invalidArgument('A request body is required.') };
  const type = mediaType(req);
  if (type !== 'application/json' && !type.endsWith('+json')) return { ok: false, error: CamaraErrors.unsupportedMediaType() };
  try {
    const text = buf.toString('utf8');
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: CamaraErrors.invalidArgument('The request body must be a JSON object.') };
    // A repeated member, or "__proto__": refused, never resolved one way or another (member-names.ts).
    const bad = forbiddenMemberName(text);
    if (bad)
      return {
        ok: false,
        error: CamaraErrors.invalidArgument(bad.why === 'repeated' ? 'The request body repeats a member name.' : 'The request body has a member named "__proto__".'),
      };
    return { ok: true, value };
  } catch {
    return { ok: false, error: CamaraErrors.invalidArgument('The request body is not valid JSON.') };
  }
}
