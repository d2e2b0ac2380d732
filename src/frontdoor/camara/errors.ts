// CAMARA ErrorInfo answers ({status, code, message}) with the x-correlator
// echoed. Messages are fixed texts: they never carry a value from the request.
import type http from 'node:http';
import { sendJson } from '../http.js';

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

export function sendError(res: http.ServerResponse, e: ErrorInfo, correlator: string | undefined): void {
  const extra: Record<string, string> = correlator !== undefined ? { 'x-correlator': correlator } : {};
  if (e.status === 401) extra['www-authenticate'] = 'Bearer error="invalid_token"';
  sendJson(res, e.status, e, extra);
}
