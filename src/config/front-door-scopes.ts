// The scopes a partner may ask the front door for, and what each one
// discloses about the subscriber. The lints, explain, diff, the audit report
// and the front door itself all read this one table, so a scope is judged
// exactly like the header grant that would disclose the same thing.
import type { Attribute, Form } from './attributes.js';

export const FRONT_DOOR_SCOPES = ['number-verification:verify', 'number-verification:device-phone-number:read', 'kyc-age-verification:verify'] as const;
export type FrontDoorScope = (typeof FRONT_DOOR_SCOPES)[number];

export interface ScopeDisclosure {
  attribute: Attribute;
  /** match: yes/no about a number the partner already has; raw: the number itself; claim: a yes/no/not available about the subscriber. */
  form: Form;
  /** The API answer that carries it (the "header" of a front-door disclosure). */
  answer: string;
}

export const SCOPE_DISCLOSURES: Readonly<Record<FrontDoorScope, ScopeDisclosure>> = {
  'number-verification:verify': { attribute: 'msisdn', form: 'match', answer: 'POST /number-verification/v2/verify' },
  'number-verification:device-phone-number:read': { attribute: 'msisdn', form: 'raw', answer: 'GET /number-verification/v2/device-phone-number' },
  'kyc-age-verification:verify': { attribute: 'age-verified', form: 'claim', answer: 'POST /kyc-age-verification/v0.2/verify' },
};

/**
 * Every completed authorisation gives the partner its pairwise `sub` in the ID token: a pseudonym of the number.
 * The audit names it by this marker where a header grant names its header (":" keeps it apart from any header name).
 */
export const ID_TOKEN_SUB = 'openid:sub';
export const ID_TOKEN_DISCLOSURE: ScopeDisclosure = { attribute: 'msisdn', form: 'pseudonym', answer: 'id_token sub' };

/** True for the names front-door disclosures carry in the audit (a scope, or the ID token's sub). */
export function isFrontDoorDisclosureName(s: string): boolean {
  return s === ID_TOKEN_SUB || isFrontDoorScope(s);
}

export function isFrontDoorScope(s: string): s is FrontDoorScope {
  return (FRONT_DOOR_SCOPES as readonly string[]).includes(s);
}
