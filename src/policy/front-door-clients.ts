// A partner's `frontDoor:` section compiled once per load: the client id, its
// public keys as a JWKS, the exact redirect URIs, the scopes and purpose, and
// the function giving its pairwise `sub` (the partner's pseudonym of the
// number: the same keyed HMAC, under the same operator-held per-partner key,
// as the pseudonym header form).
import type { PartnerConfig } from '../config/schema.js';
import { valueFunction, type ValueFn } from './forms.js';
import type { FrontDoorScope } from '../config/front-door-scopes.js';

export interface ClientJwk {
  kty: string;
  [k: string]: unknown;
}

export interface CompiledFrontDoorClient {
  clientId: string;
  /** Public keys for private_key_jwt (inline or read from jwksFile at load). */
  jwks: { keys: ClientJwk[] };
  redirectUris: ReadonlySet<string>;
  scopes: ReadonlySet<FrontDoorScope>;
  purpose: string;
  /** How its ID tokens are signed (frontDoor.idTokenSignedResponseAlg): never with the other algorithm. */
  idTokenAlg: 'RS256' | 'EdDSA';
  /** The partner's pairwise subject for a subscriber; undefined when compiled without key material (analysis only). */
  sub: ValueFn | undefined;
  line: number;
}

export function compileFrontDoorClient(
  p: PartnerConfig,
  fileJwks: { keys: ClientJwk[] } | undefined,
  pseudonymKey: Buffer | undefined,
  line: number,
): CompiledFrontDoorClient | undefined {
  const c = p.frontDoor;
  if (!c) return undefined;
  const jwks = c.jwks ? { keys: c.jwks.keys as ClientJwk[] } : (fileJwks ?? { keys: [] });
  return {
    clientId: c.clientId,
    jwks,
    redirectUris: new Set(c.redirectUris),
    scopes: new Set(c.scopes),
    purpose: c.purpose,
    idTokenAlg: c.idTokenSignedResponseAlg,
    sub: pseudonymKey ? valueFunction('msisdn', 'pseudonym', undefined, { partnerId: p.id, pseudonymKey, lifetime: 0 }) : undefined,
    line,
  };
}
