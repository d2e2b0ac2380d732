// Turning a grant into a header value for one subscriber. Each form reveals as
// little as the partner's purpose allows: claims reveal a yes/no, pseudonyms a
// per-partner alias, raw the identifier itself.
import { createHmac } from 'node:crypto';
import { toNationalDigits } from '../identity/normalize.js';
import type { Subscriber } from '../identity/subscriber.js';

export type Attribute = 'msisdn' | 'imsi' | 'imei' | 'client-ip' | 'age-verified' | 'subscriber';
export type Form = 'raw' | 'pseudonym' | 'claim';
export type MsisdnFormat = 'e164' | 'digits' | 'national';

export interface ValueContext {
  subscriber: Subscriber;
  clientAddress: string;
}

/** Returns the value to send, or undefined when the subscriber has no such attribute. */
export type ValueFn = (ctx: ValueContext) => string | undefined;

export function valueFunction(attribute: Attribute, form: Form, format: MsisdnFormat | undefined, secret: Buffer | undefined): ValueFn {
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
        if (!secret) throw new Error(`pseudonym of ${attribute} needs a partner secret`);
        return pseudonymFn(pick, secret);
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

/**
 * HMAC-SHA256 under the partner's secret, base64url: stable for one partner,
 * unlinkable across partners, and not reversible by enumerating numbers
 * without the secret (an unkeyed hash of a phone number is).
 * Results are memoised per subscriber object: bindings are immutable records,
 * so a new binding gets a fresh cache.
 */
function pseudonymFn(pick: (s: Subscriber) => string | undefined, secret: Buffer): ValueFn {
  const cache = new WeakMap<Subscriber, string>();
  return ({ subscriber }) => {
    const hit = cache.get(subscriber);
    if (hit !== undefined) return hit;
    const id = pick(subscriber);
    if (id === undefined) return undefined;
    const v = createHmac('sha256', secret).update(id).digest('base64url');
    cache.set(subscriber, v);
    return v;
  };
}
