// What an authorisation code and an access token stand for. Both are random
// opaque strings (256 bits) that index these records in memory; neither
// carries anything about the subscriber. Codes live ≤ 60 s, tokens ≤ 300 s;
// both are single-use and there are no refresh tokens.
import { randomBytes } from 'node:crypto';
import type { Subscriber } from '../subscriber/subscriber.js';
import type { FrontDoorScope } from '../config/front-door-scopes.js';

/** Authentication methods (RFC 8176 style): "nba" is network-based authentication, as CAMARA names it. */
export const NETWORK_AMR = 'nba';

export interface CodeGrant {
  clientId: string;
  partnerId: string;
  redirectUri: string;
  scopes: FrontDoorScope[];
  purpose: string;
  nonce: string | undefined;
  codeChallenge: string;
  subscriber: Subscriber;
  clientAddress: string;
  authTime: number;
  /** When the subscriber was identified (ms): the `sub` is the pseudonym of the number's holder at that time. */
  identifiedAt: number;
  amr: string[];
}

export interface AccessGrant {
  clientId: string;
  partnerId: string;
  scopes: ReadonlySet<FrontDoorScope>;
  purpose: string;
  subscriber: Subscriber;
  clientAddress: string;
  amr: readonly string[];
  /** RFC 9449: the thumbprint of the partner's DPoP key the token is bound to (undefined: a bearer token). */
  jkt?: string | undefined;
}

export function opaqueSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A code already exchanged (kept until it would have expired): from the moment
 * the exchange takes it, before the ID token is signed and recorded, so a
 * second use while the first is still in flight is seen too. A second use
 * sets `replayed`: the token of the first is revoked, or never issued if the
 * first exchange has not finished.
 */
export interface UsedCode {
  clientId: string;
  /** The access token issued for it, once issued. */
  token: string | undefined;
  replayed: boolean;
}
