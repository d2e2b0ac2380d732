// CAMARA ErrorInfo answers ({status, code, message}) with the x-correlator
// echoed. Messages are fixed texts: they never carry a value from the request.
import type http from 'node:http';
import { sendJson } from '../http.js';
import { DPOP_ALGS } from '../dpop.js';

export interface ErrorInfo {
  status: number;
  code: string;
  message: string;
}

export const CamaraErrors = {
  invalidArgument: (message = 'Client specified an invalid argument, request body or query param.'): ErrorInfo => ({ status: 400, code: 'INVALID_ARGUMENT', message }),
  outOfRange: (message = 'Client specified an invalid range.'): ErrorInfo => ({ status: 400, code: 'OUT_OF_RANGE', message }),
  unauthenticated: (message = 'Request not authenticated due to missing, invalid, or expired credentials. A new authentication is required.'): ErrorInfo => ({
    status: 401,
    code: 'UNAUTHENTICATED',
    message,
  }),
  permissionDenied: (message = 'Client does not have sufficient permissions to perform this action.'): ErrorInfo => ({ status: 403, code: 'PERMISSION_DENIED', message }),
  notByMobileNetwork: (): ErrorInfo => ({
    status: 403,
    code: 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK',
    message: 'Client must authenticate via the mobile network to use this service',
  }),
  notFound: (): ErrorInfo => ({ status: 404, code: 'NOT_FOUND', message: 'The specified resource is not found.' }),
  methodNotAllowed: (): ErrorInfo => ({ status: 405, code: 'METHOD_NOT_ALLOWED', message: 'The requested method is not allowed/supported on the target resource.' }),
  tooLarge: (): ErrorInfo => ({ status: 413, code: 'INVALID_ARGUMENT', message: 'The request body is too large.' }),
  unsupportedMediaType: (): ErrorInfo => ({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be application/json.' }),
  unnecessaryIdentifier: (): ErrorInfo => ({
    status: 422,
    code: 'UNNECESSARY_IDENTIFIER',
    message: 'An explicit phone number has been provided when one is already associated with the access token',
  }),
  unavailable: (): ErrorInfo => ({ status: 503, code: 'UNAVAILABLE', message: 'Service Unavailable.' }),
} as const;

/**
 * The WWW-Authenticate challenge of a 401 from an API:
 *  - `none`: no credentials at all — both schemes offered, with no error code (RFC 6750 §3.1);
 *  - `bearer`: a bearer token that is unknown, used or expired (error="invalid_token");
 *  - `dpop`: a DPoP-bound token, or a token sent with the DPoP scheme, that is not accepted
 *    (RFC 9449 §7.1: the DPoP scheme with `algs`); `dpop-proof`: the proof itself is bad.
 */
export type Challenge = 'none' | 'bearer' | 'dpop' | 'dpop-proof';

export function challengeHeader(c: Challenge): string {
  const algs = `algs="${DPOP_ALGS.join(' ')}"`;
  switch (c) {
    case 'none':
      return `Bearer, DPoP ${algs}`;
    case 'bearer':
      return 'Bearer error="invalid_token"';
    case 'dpop':
      return `DPoP error="invalid_token", ${algs}`;
    case 'dpop-proof':
      return `DPoP error="invalid_dpop_proof", ${algs}`;
  }
}

/** Sends an ErrorInfo; a 401 carries the WWW-Authenticate challenge given (default: the bearer one). */
export function sendError(res: http.ServerResponse, e: ErrorInfo, correlator: string | undefined, challenge: Challenge = 'bearer'): void {
  const extra: Record<string, string> = correlator !== undefined ? { 'x-correlator': correlator } : {};
  if (e.status === 401) extra['www-authenticate'] = challengeHeader(challenge);
  sendJson(res, e.status, e, extra);
}
