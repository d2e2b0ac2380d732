// Finding one subscriber's identifiers in any text, in every spelling and
// encoding listed in encodings.ts. Used by the egress guard (per request, on
// the headers the gateway added), the canary and the leak checker.
//
// The matcher is compiled once per subscriber: one combined regular
// expression answers "is anything there?" in a single scan; only on a hit do
// the per-needle expressions say which attribute, encoding and format.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isIP } from 'node:net';
import { base64Patterns, escapeRegExp, hexAscii, hexNumber, percentDecode, separatedDigits, tbcd, type Encoding, type IdentifierAttribute } from './encodings.js';

/** The identifiers of one subscriber. Values stay in memory: never log them. */
export interface SubscriberIdentifiers {
  /** E.164 with "+". */
  msisdn?: string | undefined;
  imsi?: string | undefined;
  /** IMEI (15 digits) or IMEISV (16). */
  imei?: string | undefined;
  /** The subscriber's source address, when it should count as an identifier. */
  clientAddress?: string | undefined;
}

/** How a plain MSISDN was written. */
export type MsisdnFormat = 'e164' | 'intl-00' | 'digits' | 'national' | 'nsn';

export interface IdentifierMatch {
  attribute: IdentifierAttribute;
  encoding: Encoding;
  /** For a plain or separated MSISDN: which of its formats. */
  format?: MsisdnFormat | undefined;
}

interface Needle {
  attribute: IdentifierAttribute;
  encoding: Encoding;
  re: RegExp;
  /** Digits whose context tells the MSISDN format (plain/separated msisdn needles only). */
  msisdn?: { cc: string; trunk: string };
}

/** How many recurring texts a matcher remembers: one per attribute a raw grant can send, with room to spare. */
const RECURRING_TEXTS = 8;

export class SubscriberMatcher {
  private readonly any: RegExp | undefined;
  private readonly needles: Needle[];
  /** One combined expression per attribute: which attributes, without which encoding, in a few scans. */
  private readonly perAttribute: [IdentifierAttribute, RegExp][];
  private readonly recurring = new Map<string, readonly IdentifierAttribute[]>();

  constructor(ids: SubscriberIdentifiers) {
    this.needles = buildNeedles(ids);
    this.any = this.needles.length ? combine(this.needles) : undefined;
    const attrs = [...new Set(this.needles.map((n) => n.attribute))];
    this.perAttribute = attrs.map((a) => [a, combine(this.needles.filter((n) => n.attribute === a))]);
  }

  /**
   * attributes() of a text that recurs for this subscriber: its own identifiers,
   * which a raw grant sends to a partner on every request. Remembered for the
   * first few such texts (the matcher lives as long as the subscriber record);
   * any other text is computed each time. Values stay in memory, never in logs.
   */
  recurringAttributes(text: string): readonly IdentifierAttribute[] {
    let r = this.recurring.get(text);
    if (r === undefined) {
      r = this.attributes(text);
      if (this.recurring.size < RECURRING_TEXTS) this.recurring.set(text, r);
    }
    return r;
  }

  /** The attributes present in the text (any encoding), cheaper than find() when the encoding does not matter. */
  attributes(text: string): IdentifierAttribute[] {
    if (!this.test(text)) return [];
    const decoded = decodesOnlyPlus(text) ? text : percentDecode(text);
    const out: IdentifierAttribute[] = [];
    for (const [a, re] of this.perAttribute) if (re.test(text) || (decoded !== text && re.test(decoded))) out.push(a);
    return out;
  }

  /** Fast check: does the text hold any of the identifiers, in any encoding? */
  test(text: string): boolean {
    const any = this.any;
    if (any === undefined || text.length < 6) return false;
    if (any.test(text)) return true;
    return !decodesOnlyPlus(text) && any.test(percentDecode(text));
  }

  /** Every (attribute, encoding) found in the text, most specific first. */
  find(text: string): IdentifierMatch[] {
    if (!this.test(text)) return [];
    const out: IdentifierMatch[] = [];
    const seen = new Set<string>();
    const add = (m: IdentifierMatch) => {
      const k = `${m.attribute}/${m.encoding}/${m.format ?? ''}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(m);
      }
    };
    for (const n of this.needles) {
      const m = n.re.exec(text);
      if (m) add({ attribute: n.attribute, encoding: refine(n.encoding, m[0]), format: n.msisdn ? msisdnFormat(text, m.index, n.msisdn) : undefined });
    }
    const decoded = percentDecode(text);
    if (decoded !== text) {
      for (const n of this.needles) {
        if (n.re.test(text)) continue;
        const m = n.re.exec(decoded);
        if (m) add({ attribute: n.attribute, encoding: 'percent', format: n.msisdn ? msisdnFormat(decoded, m.index, n.msisdn) : undefined });
      }
    }
    return out;
  }
}

/**
 * One expression for the union of the needles (answers test() only). Needles
 * that begin with the same atom (a digit, a class such as [dD]) share it:
 * irregexp tries every alternative at every character, so twelve groups
 * instead of two dozen needles about halve a scan — the 190 characters of an
 * added Signature-Input are scanned for each enriched request. The same
 * language: a(?:x|y) is ax|ay. A needle whose source does not start with a
 * plain atom (a lookbehind, a quantified first atom, a top-level "|") stays
 * whole.
 */
function combine(ns: readonly Needle[]): RegExp {
  const groups = new Map<string, string[]>();
  const whole: string[] = [];
  for (const n of ns) {
    const src = n.re.source;
    const end = firstAtomEnd(src);
    if (end === -1) whole.push(`(?:${src})`);
    else {
      const head = src.slice(0, end);
      const rests = groups.get(head);
      if (rests) rests.push(src.slice(end));
      else groups.set(head, [src.slice(end)]);
    }
  }
  const parts = [...groups].map(([head, rests]) => `${head}(?:${rests.map((r) => `(?:${r})`).join('|')})`);
  return new RegExp([...parts, ...whole].join('|'));
}

/** Where the first atom of a pattern ends — a character, an escape or a class — or -1 when it cannot be split off safely. */
function firstAtomEnd(src: string): number {
  let end: number;
  if (src[0] === '\\') {
    if (/[0-9A-Za-z]/.test(src[1] ?? 'x')) return -1; // \d, \x41, \u…, a backreference: not one character
    end = 2;
  } else if (src[0] === '[') {
    end = 1;
    while (end < src.length && src[end] !== ']') end += src[end] === '\\' ? 2 : 1;
    end++;
  } else if (src.length > 0 && !'()|?*+{.^$'.includes(src[0]!)) end = 1;
  else return -1;
  if (end > src.length || (end < src.length && '?*+{'.includes(src[end]!))) return -1;
  // A "|" outside groups and classes would make the rest an alternation of its own.
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return -1;
  }
  return end;
}

/**
 * Decoding a text without "%" only turns "+" into " ", and that changes no
 * needle's answer (encodings.ts): digit separators accept "+" and " " alike,
 * the literal and base64 needles contain no " ", and the address needles'
 * boundaries exclude neither. So such a text needs no second, decoded scan
 * (an added Signature header is base64 with "+" in it: one scan, not two).
 * test/detect/subscriber-match-scans.test.ts holds every needle to it.
 */
function decodesOnlyPlus(text: string): boolean {
  return text.indexOf('%') === -1;
}

const cache = new WeakMap<object, SubscriberMatcher>();

/**
 * The matcher for a subscriber record, compiled on first use and kept as long
 * as the record lives (bindings are immutable records: a changed binding is a
 * new object and gets a new matcher).
 */
export function subscriberMatcher(sub: SubscriberIdentifiers & object): SubscriberMatcher {
  let m = cache.get(sub);
  if (!m) {
    m = new SubscriberMatcher(sub);
    cache.set(sub, m);
  }
  return m;
}

/** One-shot form: the subscriber's identifiers found in `text`. */
export function findSubscriberIdentifiers(text: string, ids: SubscriberIdentifiers): IdentifierMatch[] {
  return new SubscriberMatcher(ids).find(text);
}

function buildNeedles(ids: SubscriberIdentifiers): Needle[] {
  const needles: Needle[] = [];
  // Hex is either case. Spelled out as [aA] classes, not the 'i' flag: the needles are also joined
  // into one expression (SubscriberMatcher.any), which has no per-alternative flags.
  const lit = (attribute: IdentifierAttribute, encoding: Encoding, s: string, caseless = false) =>
    needles.push({ attribute, encoding, re: new RegExp(caseless ? eitherCase(escapeRegExp(s)) : escapeRegExp(s)) });
  const digitForms = (attribute: IdentifierAttribute, core: string, full: string[], msisdn?: { cc: string; trunk: string }) => {
    needles.push({ attribute, encoding: 'plain', re: new RegExp(separatedDigits(core)), msisdn });
    lit(attribute, 'hex', hexAscii(core), true);
    const nums = new Set(full.map(hexNumber));
    for (const h of nums) if (h.length >= 8) lit(attribute, 'hex-number', h, true);
    for (const f of full) if (f.length >= 8) lit(attribute, 'tbcd', tbcd(f), true);
    for (const b of base64Patterns(core)) needles.push({ attribute, encoding: 'base64', re: new RegExp(b) });
  };

  if (ids.msisdn) {
    const digits = ids.msisdn.replace(/\D/g, '');
    const p = parsePhoneNumberFromString(ids.msisdn.startsWith('+') ? ids.msisdn : '+' + digits);
    if (p) {
      const nsn = p.nationalNumber as string;
      const cc = p.countryCallingCode as string;
      const national = p.format('NATIONAL').replace(/\D/g, '');
      const trunk = national.endsWith(nsn) ? national.slice(0, national.length - nsn.length) : '';
      digitForms('msisdn', nsn, [cc + nsn, nsn], { cc, trunk });
    } else if (digits.length >= 6) digitForms('msisdn', digits, [digits]);
  }
  if (ids.imsi && /^\d{6,15}$/.test(ids.imsi)) digitForms('imsi', ids.imsi, [ids.imsi]);
  if (ids.imei && /^\d{14,16}$/.test(ids.imei)) {
    // IMEI = TAC + serial + check digit, IMEISV = TAC + serial + 2-digit version:
    // the first 14 digits identify the device in both.
    digitForms('imei', ids.imei.slice(0, 14), [ids.imei]);
  }
  if (ids.clientAddress && isIP(ids.clientAddress) !== 0) {
    const a = escapeRegExp(ids.clientAddress);
    needles.push({
      attribute: 'client-ip',
      encoding: 'plain',
      re: isIP(ids.clientAddress) === 4 ? new RegExp(`(?<![0-9.])${a}(?![0-9])`) : new RegExp(`(?<![0-9a-fA-F:])${eitherCase(a)}(?![0-9a-fA-F:])`),
    });
  }
  return needles;
}

/** An escaped literal (hex digits, an address) matching either case: each letter becomes [xX]. */
function eitherCase(escaped: string): string {
  return escaped.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/** A plain match with separators is "separated"; a base64 match using "-" or "_" is "base64url". */
function refine(encoding: Encoding, matched: string): Encoding {
  if (encoding === 'plain') return /[^0-9]/.test(matched) ? 'separated' : 'plain';
  if (encoding === 'base64') return /[-_]/.test(matched) ? 'base64url' : 'base64';
  return encoding;
}

/** Reads the characters before a matched national significant number to tell the format it was written in. */
function msisdnFormat(text: string, at: number, m: { cc: string; trunk: string }): MsisdnFormat {
  const before = text
    .slice(Math.max(0, at - 12), at)
    .replace(/%2[bB]/g, '+')
    .replace(/\(0\)/g, '')
    .replace(/[ .\-()]|%20|%2[dDeE]/g, '');
  if (before.endsWith('+' + m.cc)) return 'e164';
  if (before.endsWith('00' + m.cc)) return 'intl-00';
  if (before.endsWith(m.cc)) return 'digits';
  if (m.trunk && before.endsWith(m.trunk)) return 'national';
  return 'nsn';
}
