// OpenID Provider metadata (OpenID Connect Discovery 1.0) for the front door:
// code flow only, PKCE S256 only, private_key_jwt only, RS256 or EdDSA ID tokens (per client), the
// CAMARA scopes, no refresh tokens, `iss` in the authorisation response (RFC 9207),
// signed authorisation requests by value (RFC 9101 `request`, not `request_uri`).
import { FRONT_DOOR_SCOPES } from '../config/front-door-scopes.js';
import { CLIENT_ASSERTION_ALGS } from './client-auth.js';
import { DPOP_ALGS } from './dpop.js';
import { REQUEST_OBJECT_ALGS } from './request-object.js';

export interface Endpoints {
  issuer: string;
  authorization: string;
  token: string;
  jwks: string;
}

export function endpoints(issuer: string): Endpoints {
  const base = issuer.replace(/\/+$/, '');
  return { issuer, authorization: `${base}/authorize`, token: `${base}/token`, jwks: `${base}/.well-known/jwks.json` };
}

export function providerMetadata(e: Endpoints): Record<string, unknown> {
  return {
    issuer: e.issuer,
    authorization_endpoint: e.authorization,
    token_endpoint: e.token,
    jwks_uri: e.jwks,
    scopes_supported: ['openid', ...FRONT_DOOR_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['pairwise'],
    // RS256 first: OIDC's default and mandatory one (Core §15.1); each client gets the one it is configured for.
    id_token_signing_alg_values_supported: ['RS256', 'EdDSA'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'amr', 'azp'],
    authorization_response_iss_parameter_supported: true,
    dpop_signing_alg_values_supported: DPOP_ALGS,
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: REQUEST_OBJECT_ALGS,
    request_uri_parameter_supported: false,
  };
}
