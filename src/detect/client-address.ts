// Finding a client's IP address in text, in whatever spelling a stage, a
// library or another system wrote it: the egress guard uses it on every
// request, on the headers the gateway added and a URL it changed. (The
// canary's and the leak checker's address checks do not use it yet.)
//
// Address-like words are read as addresses and compared as bytes, so every
// spelling of one address is the same value: compressed or not, either case,
// bracketed, with a zone or a port, IPv4 as IPv4-mapped IPv6 (a socket that
// was not unmapped says "::ffff:192.0.2.1"), percent-encoded.
// An IPv6 client is its /64: a mobile network gives each phone its own /64
// (3GPP TS 23.401 §5.3.1.2.2, RFC 6459) and hedge binds subscribers by that
// prefix, so the prefix alone ("2001:db8:1:2::/64", a binding's key) and every
// other address in it (the phone's privacy addresses) identify the subscriber
// as much as the address does. A /64 shared by everyone (::/64: loopback and
// IPv4-mapped; fe80::/64, link-local) is compared whole address instead.
//
// Also found: the /64 as 16 hex digits without colons (at the start of a
// hex run: the whole address as 32 too, and clientKey's "20010db800010002::/64")
// and the reverse-DNS name (….ip6.arpa from the /64's nibbles on,
// ….in-addr.arpa). Not looked for, as far-fetched for a header the gateway
// adds and costly to look for in every one (docs/detect.md): base64 of the
// address, as bytes or as text; IPv4 as one integer (3221225985, 0xc0000201)
// or with leading zeros (a 10-digit integer is as likely a timestamp).
//
// Cost: it runs on every request. A text with no copy of the address as the
// socket spells it and no ":", "%", ".arpa" or the address's first hex group
// costs a few native string searches; the client's address is parsed, and
// words of the text read as addresses, only when one of those is there.
import { percentDecode } from './encodings.js';

/** How a client address was written: any textual spelling, %-escaped, hex without colons, a reverse-DNS name. */
export type AddressEncoding = 'plain' | 'percent' | 'hex' | 'reverse-dns';

/** 16 or more hex digits in a row (compared at the run's start). */
const HEX_RUN = /(?<![0-9A-Fa-f])[0-9A-Fa-f]{16,}/g;
/** A reverse-DNS name: nibbles under ip6.arpa, octets under in-addr.arpa. */
const ARPA = /((?:[0-9A-Fa-f]\.){1,32})ip6\.arpa|(?<![0-9.])((?:\d{1,3}\.){4})in-addr\.arpa/gi;
/** The first 12 bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
const MAPPED_HEAD = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

interface Client {
  /** The address as the caller gave it (the memo's key). */
  address: string;
  /** IPv4 client: its dotted form (the address itself, or the tail of "::ffff:a.b.c.d"). */
  dotted: string | undefined;
  /** IPv6 /64 client: its first group as 4 hex digits, lower and upper case — where a hex spelling starts. */
  head: string | undefined;
  headUpper: string | undefined;
  /** Parsed only when a text has something address-like to compare (null: not an address). */
  parsed: Parsed | undefined | null;
}

interface Parsed {
  bytes: Uint8Array;
  /** Bytes compared: 8 (the /64) or 16. */
  span: number;
  /** The /64 as 16 lower-case hex digits (span 8 only). */
  hex: string | undefined;
}

/** The last client asked about: one request asks for its added headers and its URL. */
let last: Client | undefined;

function clientOf(address: string): Client {
  if (last !== undefined && last.address === address) return last;
  let dotted: string | undefined;
  let head: string | undefined;
  const colon = address.indexOf(':');
  if (colon === -1) dotted = address;
  else if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) dotted = address.slice(7);
  else if (colon > 0 && !/^fe[89ab]/i.test(address)) head = address.slice(0, colon).padStart(4, '0').toLowerCase();
  last = { address, dotted, head, headUpper: head?.toUpperCase(), parsed: undefined };
  return last;
}

function parsedOf(c: Client): Parsed | undefined {
  if (c.parsed === undefined) {
    const bytes = new Uint8Array(16);
    let ok: boolean;
    if (c.dotted !== undefined) {
      bytes.set(MAPPED_HEAD);
      ok = readV4(c.dotted, 0, c.dotted.length, bytes, 12);
    } else {
      const zone = c.address.indexOf('%');
      ok = readV6(c.address, 0, zone === -1 ? c.address.length : zone, bytes);
    }
    if (!ok) c.parsed = null;
    else {
      // ::/64 (loopback, IPv4-mapped) and fe80::/64 (link-local) are everyone's: the whole address counts there.
      let zero = true;
      for (let i = 0; i < 8; i++) if (bytes[i] !== 0) zero = false;
      const span = zero || (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) ? 16 : 8;
      c.parsed = { bytes, span, hex: span === 8 ? Buffer.from(bytes.subarray(0, 8)).toString('hex') : undefined };
    }
  }
  return c.parsed ?? undefined;
}

function same(p: Parsed, b: Uint8Array): boolean {
  for (let i = 0; i < p.span; i++) if (b[i] !== p.bytes[i]) return false;
  return true;
}

/**
 * How `text` carries the client's address (its /64 for an IPv6 client), or
 * undefined. `address` is the client's source address as the socket (or the
 * unmapping ingress) gives it, "" for none: it is not checked to be an
 * address (that would cost a parse on every request).
 */
export function findClientAddress(text: string, address: string): AddressEncoding | undefined {
  if (address === '' || text.length < 2) return undefined;
  // The common case first: the address as the socket spells it, as a whole word.
  if (bounded(text, address)) return 'plain';
  const c = clientOf(address);
  if (c.dotted !== undefined && c.dotted !== address && bounded(text, c.dotted)) return 'plain';
  // Anything else needs a ":", a "%", an ".arpa" or the first hex group: native searches, no parsing, on most texts.
  const colon = text.indexOf(':') !== -1;
  const percent = text.indexOf('%') !== -1;
  const arpa = text.length > 12 && hasArpa(text);
  const hex = c.head !== undefined && text.length >= 16 && (text.indexOf(c.head) !== -1 || (c.headUpper !== c.head && text.indexOf(c.headUpper!) !== -1));
  if (!colon && !percent && !arpa && !hex) return undefined;
  const p = parsedOf(c);
  if (p === undefined) return undefined;
  if (colon && words(text, p)) return 'plain';
  if (percent) {
    const d = percentDecode(text);
    if (bounded(d, address) || (c.dotted !== undefined && bounded(d, c.dotted)) || words(d, p) || reverseDns(d, p)) return 'percent';
  }
  if (hex && hexRun(text, p)) return 'hex';
  if (arpa && reverseDns(text, p)) return 'reverse-dns';
  return undefined;
}

/** ".arpa" in either case, found from the dots (a one-character search costs a twentieth of a four-character one). */
function hasArpa(text: string): boolean {
  for (let at = text.indexOf('.'); at !== -1 && at + 4 < text.length; at = text.indexOf('.', at + 1)) {
    if ((text.charCodeAt(at + 1) | 32) === 97 && (text.charCodeAt(at + 2) | 32) === 114 && (text.charCodeAt(at + 3) | 32) === 112 && (text.charCodeAt(at + 4) | 32) === 97)
      return true;
  }
  return false;
}

/**
 * `needle` in `text` as a whole address: not inside a longer address or
 * number. For an IPv6 needle no hex digit, ":" or "." touches it; for an IPv4
 * needle no digit, and no "." with a digit beyond it (a colon before it is an
 * IPv4-mapped prefix, one after it a port).
 */
function bounded(text: string, needle: string): boolean {
  const v4 = needle.indexOf(':') === -1;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const b = at === 0 ? 0 : text.charCodeAt(at - 1);
    const e = at + needle.length;
    const a = e < text.length ? text.charCodeAt(e) : 0;
    if (v4) {
      if (isDigit(b) || (b === 46 && at > 1 && isDigit(text.charCodeAt(at - 2)))) continue;
      if (isDigit(a) || (a === 46 && isDigit(text.charCodeAt(e + 1)))) continue;
      return true;
    }
    if (!isHex(b) && b !== 58 && b !== 46 && !isHex(a) && a !== 58 && a !== 46) return true;
  }
  return false;
}

/**
 * Every IPv6-like word of the text (the hex digits, ":" and "." around each
 * colon), read as an address and compared.
 */
function words(text: string, p: Parsed): boolean {
  const n = text.length;
  for (let at = text.indexOf(':'); at !== -1;) {
    let s = at;
    while (s > 0 && isWordChar(text.charCodeAt(s - 1))) s--;
    let e = at + 1;
    while (e < n && isWordChar(text.charCodeAt(e))) e++;
    if (wordIs(text, s, e, p)) return true;
    at = e >= n ? -1 : text.indexOf(':', e);
  }
  return false;
}

/**
 * Whether text[s, e) is an address the client's: as it is, else without a
 * lone ":" or "." at either end ("ip:2001:db8::1", "…::1."), else without its
 * last group (an unbracketed address and its port, "2001:db8:1:2:0:0:0:42:443").
 */
function wordIs(text: string, s: number, e: number, p: Parsed): boolean {
  const b = SCRATCH;
  if (readV6(text, s, e, b)) return same(p, b);
  if (text.charCodeAt(s) === 58 && text.charCodeAt(s + 1) !== 58) s++;
  const end = text.charCodeAt(e - 1);
  if ((end === 58 && text.charCodeAt(e - 2) !== 58) || end === 46) e--;
  if (readV6(text, s, e, b)) return same(p, b);
  const port = text.lastIndexOf(':', e - 1);
  return port > s && readV6(text, s, port, b) && same(p, b);
}

function isWordChar(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const SCRATCH = new Uint8Array(16);
const SCRATCH4 = new Uint8Array(4);
const GROUPS = new Uint16Array(8);

/**
 * text[s, e) as an IPv6 address (RFC 4291 §2.2: 1-4 hex digits a group, one
 * "::" at most, a dotted IPv4 tail allowed, no zone) into `out`; false when it
 * is not one (`out` then holds nothing useful). A loop over the characters,
 * with no allocation: it reads words of the added headers, where
 * shared/address.ts parseIp (isIP, split) costs twenty times as much.
 * test/detect/client-address.test.ts holds the two to the same answers.
 */
export function readV6(text: string, s: number, e: number, out: Uint8Array): boolean {
  if (e - s < 2) return false;
  let i = s;
  let n = 0;
  let gap = -1;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < e) {
    const g = i;
    let v = 0;
    while (i < e && i - g < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      v = v * 16 + h;
      i++;
    }
    const k = i - g;
    if (k === 0 || k > 4) return false;
    if (i < e && text.charCodeAt(i) === 46) {
      // The dotted IPv4 tail: the last 32 bits.
      if (n > 6 || !readV4(text, g, e, SCRATCH4, 0)) return false;
      GROUPS[n++] = (SCRATCH4[0]! << 8) | SCRATCH4[1]!;
      GROUPS[n++] = (SCRATCH4[2]! << 8) | SCRATCH4[3]!;
      break;
    }
    if (n === 8) return false;
    GROUPS[n++] = v;
    if (i === e) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < e && text.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = n;
      i++;
    } else if (i === e) return false;
  }
  if (gap === -1 ? n !== 8 : n > 7) return false;
  out.fill(0);
  const head = gap === -1 ? n : gap;
  for (let j = 0; j < head; j++) {
    out[2 * j] = GROUPS[j]! >> 8;
    out[2 * j + 1] = GROUPS[j]! & 0xff;
  }
  for (let j = head, at = 8 - (n - head); j < n; j++, at++) {
    out[2 * at] = GROUPS[j]! >> 8;
    out[2 * at + 1] = GROUPS[j]! & 0xff;
  }
  return true;
}

/** text[s, e) as a dotted IPv4 address (four decimal parts of 1-3 digits, each at most 255) into out[at, at + 4). */
function readV4(text: string, s: number, e: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let v = 0;
  let digits = 0;
  for (let i = s; i <= e; i++) {
    const c = i === e ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || v > 255 || part > 3) return false;
      out[at + part++] = v;
      v = 0;
      digits = 0;
    } else if (isDigit(c) && digits < 3) {
      v = v * 10 + (c - 48);
      digits++;
    } else return false;
  }
  return part === 4;
}

/** The /64 of an IPv6 client as the first 16 digits of a hex run (the whole address as 32 starts so too). */
function hexRun(text: string, p: Parsed): boolean {
  if (p.hex === undefined) return false;
  HEX_RUN.lastIndex = 0;
  for (let m = HEX_RUN.exec(text); m !== null; m = HEX_RUN.exec(text)) if (m[0].slice(0, 16).toLowerCase() === p.hex) return true;
  return false;
}

/** A reverse-DNS name inside the client's /64 (at least the /64's 16 nibbles, under ip6.arpa) or of its IPv4 address. */
function reverseDns(text: string, p: Parsed): boolean {
  ARPA.lastIndex = 0;
  for (let m = ARPA.exec(text); m !== null; m = ARPA.exec(text)) {
    const b = new Uint8Array(16);
    if (m[1] !== undefined) {
      const nibbles = m[1].replace(/\./g, '').split('').reverse();
      if (nibbles.length < p.span * 2) continue;
      for (let i = 0; i < nibbles.length; i += 2) b[i >> 1] = parseInt(nibbles[i]! + (nibbles[i + 1] ?? '0'), 16);
    } else {
      const octets = m[2]!.slice(0, -1).split('.').reverse().map(Number);
      if (octets.some((o) => o > 255)) continue;
      b.set([...MAPPED_HEAD, ...octets]);
    }
    if (same(p, b)) return true;
  }
  return false;
}
