// Normalising subscriber numbers: the one place a phone number as someone
// wrote it ("07700 900123", "00447700900123", "4915123456789" from a packet
// gateway, "+44 7700 900123") becomes the E.164 form hedge stores. Static
// bindings, the admin API, RADIUS accounting, the canary, `policy explain` and
// the scanner all call toE164; a new channel must too.
//
// The rules (issue 13: a wrong reading sends the wrong identity to a partner):
//   1. Only digits, one leading "+", and the separators " ( ) . -" (and a
//      "tel:" prefix) may appear; anything else is refused, never skipped.
//   2. "+" or "00" → the international reading only.
//   3. Bare digits have up to two readings: international (they start with the
//      operator's country code and the rest is a number of that code) and
//      national (a number of the operator's country, trunk prefix optional).
//   4. A reading counts only when it is a *valid* number (libphonenumber
//      `isValid` with the full "max" metadata: `isPossible` only checks the
//      length, which Germany's variable-length plan makes almost always true)
//      of a kind a mobile subscriber has (MOBILE, or FIXED_LINE_OR_MOBILE where
//      the plan does not tell them apart), or is in a range reserved for
//      fiction (the demo, the tests, the canary).
//   5. One reading left: that one. Two: the NAS's declared `numberFormat`
//      decides (default international, what packet gateways send). None: refused,
//      with a reason a caller can count and a message that never shows the number.
import { parsePhoneNumberFromString, getCountryCallingCode, isSupportedCountry, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { fictionalNumber } from './fictional-numbers.js';
import type { Subscriber, SubscriberInput } from './subscriber.js';

/**
 * How a sender writes numbers without "+", which decides between two valid readings:
 *   international  country code + number, no "+" (3GPP TS 29.061 for Calling-Station-Id; the default)
 *   national       the operator's national form, trunk prefix optional
 *   e164           always international: bare digits are never read as national
 */
export const NUMBER_FORMATS = ['international', 'national', 'e164'] as const;
export type NumberFormat = (typeof NUMBER_FORMATS)[number];

/** Why a number was refused: a metric label and a log field, never the number. */
export type NumberRefusal = 'not_a_number' | 'invalid' | 'not_mobile' | 'not_international';

export class NumberError extends HedgeError {
  constructor(
    readonly reason: NumberRefusal,
    message: string,
  ) {
    super(ErrorCodes.NUMBER_INVALID, message);
    this.name = 'NumberError';
  }
}

// libphonenumber's types a subscriber's MSISDN can have. FIXED_LINE_OR_MOBILE is
// how plans that share ranges (NANP) type every number.
const SUBSCRIBER_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
const SEPARATORS = /[\s().-]/g;

type Reading = { e164: string } | { refusal: 'invalid' | 'not_mobile' };

function judge(p: PhoneNumber | undefined): Reading {
  if (!p) return { refusal: 'invalid' };
  if (fictionalNumber(p.number)) return { e164: p.number };
  if (!p.isValid()) return { refusal: 'invalid' };
  const type = p.getType();
  return type && SUBSCRIBER_TYPES.has(type) ? { e164: p.number } : { refusal: 'not_mobile' };
}

function international(digits: string): Reading {
  return judge(parsePhoneNumberFromString('+' + digits));
}

/**
 * The national reading. libphonenumber itself strips a leading country code
 * when that makes the number valid; that is the international reading, so
 * here the digits are read as the national number they literally are.
 */
function national(digits: string, country: CountryCode, cc: string): Reading {
  const p = parsePhoneNumberFromString(digits, country);
  if (p && p.countryCallingCode === cc && digits.startsWith(cc) && p.nationalNumber === digits.slice(cc.length)) {
    return judge(parsePhoneNumberFromString('+' + cc + digits));
  }
  return judge(p);
}

/**
 * The E.164 form of a subscriber's number, or a NumberError (HEDGE_ERR_NUMBER_INVALID)
 * whose message names the country and the reason, never the number.
 */
export function toE164(input: string, country: string, format: NumberFormat = 'international'): string {
  const c = country.toUpperCase();
  if (!isSupportedCountry(c)) throw new NumberError('invalid', `operator.country "${country}" is not an ISO 3166 country libphonenumber knows`);
  const cc = getCountryCallingCode(c);
  const compact = String(input).trim().replace(/^tel:/i, '').replace(SEPARATORS, '');
  if (!/^\+?\d+$/.test(compact) || compact.length > 17)
    throw new NumberError('not_a_number', 'not a phone number: only digits, a leading "+" and the separators space ( ) . - are allowed');

  let intl: Reading | undefined;
  let nat: Reading | undefined;
  if (compact.startsWith('+')) intl = international(compact.slice(1));
  else if (compact.startsWith('00')) intl = international(compact.slice(2));
  else {
    if (compact.startsWith(cc)) intl = international(compact);
    if (format !== 'e164') nat = national(compact, c, cc);
  }
  const ok = [intl, nat].filter((r): r is { e164: string } => r !== undefined && 'e164' in r);
  if (ok.length === 2 && ok[0]!.e164 !== ok[1]!.e164) return format === 'national' ? ok[1]!.e164 : ok[0]!.e164;
  if (ok.length > 0) return ok[0]!.e164;

  if (format === 'e164' && intl === undefined && !compact.startsWith('+'))
    throw new NumberError('not_international', `not an international number: numberFormat e164 expects the country code (${cc} for ${c}) first`);
  const reasons = [intl, nat].filter((r): r is { refusal: 'invalid' | 'not_mobile' } => r !== undefined && 'refusal' in r).map((r) => r.refusal);
  if (reasons.includes('not_mobile')) throw new NumberError('not_mobile', `not a mobile number: a valid number, but of a kind (e.g. fixed line) no mobile subscriber has`);
  const explicit = compact.startsWith('+') || compact.startsWith('00');
  throw new NumberError('invalid', explicit ? 'not a valid international phone number' : `not a valid phone number for ${c} (national, or ${cc} followed by the national number)`);
}

/** The national format (digits only, with the trunk prefix), e.g. 07700900123. */
export function toNationalDigits(e164: string): string {
  const p = parsePhoneNumberFromString(e164);
  if (!p) return e164.replace(/^\+/, '');
  return p.format('NATIONAL').replace(/\D/g, '');
}

export function isImsi(v: string): boolean {
  return /^\d{14,15}$/.test(v);
}

/** IMEI (15 digits, Luhn) or IMEISV (16 digits). */
export function isImei(v: string): boolean {
  if (/^\d{16}$/.test(v)) return true;
  if (!/^\d{15}$/.test(v)) return false;
  return luhnValid(v);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Validates and normalises a binding; the message names the field, never the value. */
export function normalizeSubscriber(input: SubscriberInput, country: string, source?: string): Subscriber {
  if (!input || typeof input.msisdn !== 'string') throw new HedgeError(ErrorCodes.BINDING_INVALID, 'msisdn is required');
  let msisdn: string;
  try {
    msisdn = toE164(input.msisdn, country);
  } catch (err) {
    throw new HedgeError(ErrorCodes.BINDING_INVALID, `msisdn: ${(err as Error).message}`, { cause: err });
  }
  const sub: Subscriber = { msisdn };
  if (input.imsi !== undefined && input.imsi !== null) {
    const imsi = String(input.imsi).trim();
    if (!isImsi(imsi)) throw new HedgeError(ErrorCodes.BINDING_INVALID, 'imsi must be 14-15 digits');
    sub.imsi = imsi;
  }
  if (input.imei !== undefined && input.imei !== null) {
    const imei = String(input.imei).replace(/[\s-]/g, '');
    if (!isImei(imei)) throw new HedgeError(ErrorCodes.BINDING_INVALID, 'imei must be 15 Luhn-valid digits or a 16-digit IMEISV');
    sub.imei = imei;
  }
  if (input.ageVerified !== undefined) {
    if (typeof input.ageVerified !== 'boolean') throw new HedgeError(ErrorCodes.BINDING_INVALID, 'ageVerified must be true or false');
    sub.ageVerified = input.ageVerified;
  }
  if (input.birthDate !== undefined && input.birthDate !== null) {
    if (typeof input.birthDate !== 'string' || !isCalendarDate(input.birthDate)) throw new HedgeError(ErrorCodes.BINDING_INVALID, 'birthDate must be a calendar date YYYY-MM-DD');
    sub.birthDate = input.birthDate;
  }
  if (input.optOut !== undefined) {
    if (!Array.isArray(input.optOut) || input.optOut.some((x) => typeof x !== 'string')) throw new HedgeError(ErrorCodes.BINDING_INVALID, 'optOut must be a list of partner ids');
    sub.optOut = [...input.optOut];
  }
  if (source) sub.source = source;
  return sub;
}

/** "YYYY-MM-DD" naming a real day (2023-02-29 is not one). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
