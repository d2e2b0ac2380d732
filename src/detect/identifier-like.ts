// Recognising identifier-LIKE values without knowing whose they might be:
// valid phone numbers (libphonenumber-js metadata), 15-digit IMSIs with a
// Mobile Country Code in use, Luhn-valid IMEIs, IMEISVs, and opaque tracking
// tokens. Used by the leak checker and the scanner, and by the egress guard
// for requests with no bound subscriber. Not on the per-request hot path for
// ordinary traffic.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { plausibleMcc } from './mcc.js';
import { percentDecode } from './encodings.js';
import { fictionalNumber } from '../subscriber/fictional-numbers.js';
import { luhnValid } from '../subscriber/normalize.js';

export { luhnValid };

export type LikeKind = 'msisdn' | 'imsi' | 'imei' | 'imeisv' | 'token';
export type Confidence = 'high' | 'medium' | 'low';

export interface IdentifierLike {
  kind: LikeKind;
  /** plain | separated | percent | base64 | hex: how the value was written. */
  encoding: 'plain' | 'separated' | 'percent' | 'base64' | 'hex';
  confidence: Confidence;
  /** Where in the text (of the decoded form, for encoded ones): for highlighting, never for logs. */
  start: number;
  end: number;
}

export interface LikeOptions {
  /** ISO country for national-format numbers ("07700 900123"); without it only international forms count. */
  country?: string | undefined;
  /** Also report opaque tokens (long random-looking values). Off for headers whose format is standard. */
  tokens?: boolean;
  /** Only explicit phone formats (+, 00, national with trunk prefix): for free text such as cookies and user agents. */
  strictNumbers?: boolean;
}

// A run of digits, optionally introduced by "+" / "%2B" / "00", with single
// separators between groups; not glued to letters or digits on either side.
const CANDIDATE = /(?<![0-9A-Za-z])(\+|%2[bB])?\d(?:(?:[ .-]|%20)?\d){6,18}(?![0-9A-Za-z])/g;
// The way IMEIs are printed on devices and boxes: AA-BBBBBB-CCCCCC-D.
const IMEI_GROUPED = /^\d{2}[ -]?\d{6}[ -]?\d{6}[ -]?\d$/;
const DATE_LIKE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$|^\d{1,3}(?:\.\d{1,3}){3}$/;

export function findIdentifierLike(text: string, opts: LikeOptions = {}): IdentifierLike[] {
  const out: IdentifierLike[] = [];
  scanNumbers(text, opts, 'plain', out);
  if (/%[0-9a-fA-F]{2}/.test(text)) {
    const decoded = percentDecode(text);
    const before = out.length;
    const inner: IdentifierLike[] = [];
    scanNumbers(decoded, opts, 'plain', inner);
    for (const m of inner) if (!out.slice(0, before).some((o) => o.kind === m.kind)) out.push({ ...m, encoding: 'percent' });
  }
  scanEncodedBlobs(text, opts, out);
  if (opts.tokens && out.length === 0) {
    const t = tokenLike(text);
    if (t) out.push(t);
  }
  return out;
}

function scanNumbers(text: string, opts: LikeOptions, encoding: IdentifierLike['encoding'], out: IdentifierLike[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    const raw = m[0];
    const plus = m[1] !== undefined;
    const body = plus ? raw.slice(m[1]!.length) : raw;
    const separated = /[^0-9]/.test(body);
    const digits = body.replace(/\D/g, '');
    if (separated && !plausibleGrouping(body) && !(IMEI_GROUPED.test(body) && luhnValid(digits))) continue;
    const enc = encoding === 'plain' && separated ? 'separated' : encoding;
    const hit = (kind: LikeKind, confidence: Confidence) => out.push({ kind, encoding: enc, confidence, start: m!.index, end: m!.index + raw.length });
    if (!plus && !separated && digits.length === 15 && !opts.strictNumbers) {
      if (luhnValid(digits) && !digits.startsWith('00')) hit('imei', 'medium');
      else if (plausibleMcc(digits)) hit('imsi', digits.startsWith('001') || digits.startsWith('999') ? 'medium' : 'low');
      else if (isPhone('+' + digits, false)) hit('msisdn', 'low');
      continue;
    }
    if (!plus && digits.length === 15 && separated && luhnValid(digits) && !opts.strictNumbers) {
      hit('imei', 'medium');
      continue;
    }
    if (!plus && !separated && digits.length === 16 && !opts.strictNumbers) {
      if (!timestampLike(digits)) hit('imeisv', 'low');
      continue;
    }
    if (plus) {
      if (isPhone('+' + digits, true)) hit('msisdn', 'high');
    } else if (digits.startsWith('00') && !digits.startsWith('000')) {
      if (isPhone('+' + digits.slice(2), true)) hit('msisdn', 'medium');
    } else if (digits.startsWith('0')) {
      if (opts.country && isNational(digits, opts.country)) hit('msisdn', 'medium');
    } else if (!opts.strictNumbers && digits.length >= 10 && !timestampLike(digits)) {
      // Country code + number without "+": the legacy WAP/RADIUS spelling (447700900123).
      if (isPhone('+' + digits, false)) hit('msisdn', 'medium');
    }
  }
}

/** Digit groups as phone numbers are written: no 1-digit group after the first, at most 5 groups. */
function plausibleGrouping(body: string): boolean {
  if (DATE_LIKE.test(body)) return false;
  const groups = body.split(/[ .-]|%20/);
  if (groups.length > 5) return false;
  for (let i = 1; i < groups.length; i++) if (groups[i]!.length < 2) return false;
  // Versions and OIDs are dotted; phone numbers rarely use more than one dot-separated pair.
  if (body.includes('.') && groups.length > 3) return false;
  return true;
}

function isPhone(e164: string, anyType: boolean): boolean {
  if (fictionalNumber(e164)) return true;
  const p = parsePhoneNumberFromString(e164);
  if (!p || !p.isValid()) return false;
  if (anyType) return true;
  const t = p.getType();
  return t === 'MOBILE' || t === 'FIXED_LINE_OR_MOBILE';
}

function isNational(digits: string, country: string): boolean {
  const p = parsePhoneNumberFromString(digits, country as CountryCode);
  return p !== undefined && (p.isValid() || fictionalNumber(p.number));
}

/** Unix times in seconds, ms, µs or ns between 2001 and 2100 are not identifiers. */
function timestampLike(digits: string): boolean {
  const scale = digits.length - 10;
  if (scale < 0 || scale > 9) return false;
  const seconds = Number(digits.slice(0, 10));
  return seconds >= 978_307_200 && seconds <= 4_102_444_800;
}

const BLOB = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/** Base64 or hex blobs that decode to text holding a number (x-vf-acr, x-opwv-ddm-identity style). */
function scanEncodedBlobs(text: string, opts: LikeOptions, out: IdentifierLike[]): void {
  BLOB.lastIndex = 0;
  for (let m = BLOB.exec(text); m; m = BLOB.exec(text)) {
    const blob = m[0];
    const decodedTexts: [IdentifierLike['encoding'], string][] = [];
    if (/^[0-9a-fA-F]+$/.test(blob) && blob.length % 2 === 0) decodedTexts.push(['hex', Buffer.from(blob, 'hex').toString('latin1')]);
    if (!/^\d+$/.test(blob) && mayBePrintableBase64(blob)) decodedTexts.push(['base64', Buffer.from(blob.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1')]);
    for (const [enc, decoded] of decodedTexts) {
      if (!/^[\x20-\x7e]{8,}$/.test(decoded)) continue;
      const inner: IdentifierLike[] = [];
      scanNumbers(decoded, { ...opts, strictNumbers: false }, enc, inner);
      for (const i of inner) out.push({ ...i, encoding: enc, start: m.index, end: m.index + blob.length });
    }
  }
}

/**
 * Cheap necessary condition for a base64 blob to decode to printable ASCII:
 * the first character of every 4-character group carries the top six bits of
 * a byte, which for 0x20–0x7e is one of "I"–"Z", "a"–"f". Random blobs
 * (signatures, nonces, ciphertext) fail within a few groups, without decoding.
 */
function mayBePrintableBase64(blob: string): boolean {
  for (let i = 0; i < blob.length - 3; i += 4) {
    const c = blob.charCodeAt(i);
    if (!((c >= 73 && c <= 90) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * A single opaque value that looks like a tracking id: 16+ characters from a
 * base64/hex alphabet, no spaces, mixing letters and digits, and varied
 * enough not to be a word or a run of one character.
 */
function tokenLike(text: string): IdentifierLike | undefined {
  const v = text.trim();
  const m = /^[A-Za-z0-9+/=_.:;-]{16,}$/.exec(v);
  if (!m) return undefined;
  const core = v.split(/[;:]/)[0] ?? v;
  if (core.length < 16 || !/[0-9]/.test(core) || !/[A-Za-z]/.test(core)) return undefined;
  if (new Set(core).size < 10) return undefined;
  return { kind: 'token', encoding: 'plain', confidence: 'low', start: 0, end: text.length };
}
