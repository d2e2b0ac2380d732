// Turning a grant into a header value for one subscriber. Each form reveals as
// little as the partner's purpose allows: claims reveal a yes/no, pseudonyms a
// per-partner alias, raw the identifier itself.
import { createHmac, type KeyObject } from 'node:crypto';
import { toNationalDigits } from '../subscriber/normalize.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { sealer } from './sealed.js';
import { tokenIssuer, type TokenKeyRef } from './token.js';
import type { Attribute, Form } from '../config/attributes.js';
import type { HolderEpoch } from '../identity/holder.js';

export type { Attribute, Form };
export type MsisdnFormat = 'e164' | 'digits' | 'national';

export interface ValueContext {
  subscriber: Subscriber;
  clientAddress: string;
  /** Destination host (lower case, no port): bound into sealed values. */
  host: string;
  /** Issue time of this request's values, seconds since the epoch. */
  iat: number;
  /**
   * When the subscriber's number last changed hands before this disclosure
   * (identity/holder.ts): keys the number's pseudonym, so each holder of a
   * recycled number has their own. undefined (or absent): the number's first holder (the
   * pseudonym is what it has always been); null: cannot be told, so no
   * pseudonym of the number is given.
   */
  holderEpoch?: HolderEpoch;
}

/** Keys a grant's form may need; which one is checked by the policy lints before compile. */
export interface FormKeys {
  partnerId: string;
  /** The partner's pseudonym key, derived from the operator's key file (src/keys/pseudonym-key.ts); never the partner's. */
  pseudonymKey?: Buffer | undefined;
  sealKey?: KeyObject | undefined;
  tokenKey?: TokenKeyRef | undefined;
  /** sealed / token lifetime in seconds. */
  lifetime: number;
}

/** Default lifetimes: a sealed value is opened at once; a token must survive a purchase flow. */
export const DEFAULT_SEALED_LIFETIME = 300;
export const DEFAULT_TOKEN_LIFETIME = 3600;

/** Returns the value to send, or undefined when the subscriber has no such attribute. */
export type ValueFn = (ctx: ValueContext) => string | undefined;

export function valueFunction(attribute: Attribute, form: Form, format: MsisdnFormat | undefined, keys: FormKeys): ValueFn {
  switch (attribute) {
    case 'age-verified':
      return ({ subscriber }) => (subscriber.ageVerified === true ? 'yes' : 'no');
    case 'subscriber':
      return () => 'yes';
    case 'client-ip':
      return ({ clientAddress }) => clientAddress;
    case 'msisdn':
    case 'imsi':
    case 'imei': {
      const pick = identifierPicker(attribute, form === 'raw' ? (format ?? 'e164') : 'e164');
      if (form === 'raw') return ({ subscriber }) => pick(subscriber);
      if (form === 'pseudonym') {
        if (!keys.pseudonymKey) throw new Error(`pseudonym of ${attribute} needs the operator's pseudonym key`);
        // A number is recycled, an IMSI or IMEI (a SIM, a device) is not: only the number's pseudonym follows its holder.
        return pseudonymFn(pick, keys.pseudonymKey, attribute === 'msisdn');
      }
      if (form === 'sealed') {
        if (!keys.sealKey) throw new Error(`sealed ${attribute} needs a partner key`);
        const seal = sealer(keys.partnerId, attribute, keys.sealKey, keys.lifetime);
        return (ctx) => {
          const v = pick(ctx.subscriber);
          return v === undefined ? undefined : seal(v, ctx.host, ctx.iat);
        };
      }
      if (form === 'token') {
        if (!keys.tokenKey) throw new Error(`token of ${attribute} needs the operator key file`);
        const issue = tokenIssuer(keys.partnerId, attribute, keys.tokenKey, keys.lifetime);
        return (ctx) => {
          const v = pick(ctx.subscriber);
          return v === undefined ? undefined : issue(v, ctx.subscriber.msisdn, ctx.iat);
        };
      }
      throw new Error(`form ${form} is not valid for ${attribute}`);
    }
  }
}

function identifierPicker(attribute: 'msisdn' | 'imsi' | 'imei', format: MsisdnFormat): (s: Subscriber) => string | undefined {
  if (attribute === 'imsi') return (s) => s.imsi;
  if (attribute === 'imei') return (s) => s.imei;
  if (format === 'digits') return (s) => s.msisdn.slice(1);
  if (format === 'national') return (s) => toNationalDigits(s.msisdn);
  return (s) => s.msisdn;
}

/** Separates the holder epoch from the number in the HMAC input: no identifier contains a NUL. */
const HOLDER_SEPARATOR = '\u0000hedge-holder-v1\u0000';

/**
 * HMAC-SHA256 under the partner's pseudonym key (derived from the operator's
 * key, never given to the partner), base64url: stable for one partner,
 * unlinkable across partners, and not reversible by enumerating numbers
 * without the key (an unkeyed hash of a phone number is).
 * For a number that changed hands (`byHolder` and a holder epoch), the HMAC
 * input is the number, a separator and the epoch in ms, so each holder gets a
 * different, stable pseudonym; a number never reassigned keeps HMAC(number),
 * the pseudonym it always had. An epoch that cannot be told gives none.
 * Results are memoised per subscriber object and epoch: bindings are
 * immutable records, so a new binding gets a fresh cache.
 */
function pseudonymFn(pick: (s: Subscriber) => string | undefined, secret: Buffer, byHolder: boolean): ValueFn {
  const cache = new WeakMap<Subscriber, { epoch: number | undefined; value: string }>();
  return ({ subscriber, holderEpoch }) => {
    const epoch = byHolder ? holderEpoch : undefined;
    if (epoch === null) return undefined;
    const hit = cache.get(subscriber);
    if (hit !== undefined && hit.epoch === epoch) return hit.value;
    const id = pick(subscriber);
    if (id === undefined) return undefined;
    const value = createHmac('sha256', secret)
      .update(epoch === undefined ? id : `${id}${HOLDER_SEPARATOR}${epoch}`)
      .digest('base64url');
    cache.set(subscriber, { epoch, value });
    return value;
  };
}
