// Normalising subscriber identifiers. Phone numbers arrive in every format an
// operator's systems use (national "07700 900123", "00447700900123",
// "447700900123" from RADIUS, E.164); they are stored only as E.164.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { ErrorCodes, HedgeError } from '../errors.js';
import type { Subscriber, SubscriberInput } from './subscriber.js';

/**
 * Returns the E.164 form of a phone number, or throws HEDGE_ERR_NUMBER_INVALID.
 * Bare digits that do not parse as a national number are tried as
 * "country code + number" (the legacy no-plus format RADIUS and WAP gateways use).
 */
export function toE164(input: string, country: string): string {
  const raw = String(input).trim();
  const compact = raw.replace(/[\s().-]/g, '');
  const candidates: string[] = [];
  if (compact.startsWith('+')) candidates.push(compact);
  else if (compact.startsWith('00')) candidates.push('+' + compact.slice(2));
  else {
    candidates.push(compact);
    if (/^\d{8,15}$/.test(compact)) candidates.push('+' + compact);
  }
  for (const c of candidates) {
    const p = parsePhoneNumberFromString(c, country as CountryCode);
    if (p && p.isPossible()) return p.number;
  }
  throw new HedgeError(ErrorCodes.NUMBER_INVALID, `not a phone number for country ${country}`);
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
  } catch {
    throw new HedgeError(ErrorCodes.BINDING_INVALID, `msisdn is not a valid phone number for ${country}`);
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
  if (input.optOut !== undefined) {
    if (!Array.isArray(input.optOut) || input.optOut.some((x) => typeof x !== 'string'))
      throw new HedgeError(ErrorCodes.BINDING_INVALID, 'optOut must be a list of partner ids');
    sub.optOut = [...input.optOut];
  }
  if (source) sub.source = source;
  return sub;
}
