// Encodings an identifier can hide in, as needle builders. Every needle is
// computed once per identifier (per subscriber, per policy load), never per
// request.

/** The attribute an identifier belongs to. `client-ip` is the subscriber's own source address. */
export type IdentifierAttribute = 'msisdn' | 'imsi' | 'imei' | 'client-ip';

/**
 * How an identifier was written:
 *  plain       the digits as they are (any MSISDN format, see `format`)
 *  separated   digits with spaces, dots, dashes or "+" between them
 *  percent     only visible after percent-decoding (%2B447…, %34%34…)
 *  hex         hex of its ASCII digits ("343437…")
 *  hex-number  the number itself in hex ("683e…")
 *  tbcd        telephony BCD, nibbles swapped per byte (how IMSIs travel in RADIUS/GTP)
 *  base64      base64 of its ASCII digits, at any alignment inside a larger blob
 *  base64url   the same with the URL-safe alphabet
 */
export type Encoding = 'plain' | 'separated' | 'percent' | 'hex' | 'hex-number' | 'tbcd' | 'base64' | 'base64url';

export const ENCODINGS: readonly Encoding[] = ['plain', 'separated', 'percent', 'hex', 'hex-number', 'tbcd', 'base64', 'base64url'];

/** Separators people and systems put between digit groups: space, dot, dash, "+" (form-encoded space), their %-escapes. */
export const SEPARATOR = '(?:[ .\\-]|%20|%2[dDeEbB]|\\+)?';

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern that matches the digits with at most one separator between any two. */
export function separatedDigits(digits: string): string {
  return digits.split('').join(SEPARATOR);
}

export function hexAscii(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

export function hexNumber(digits: string): string {
  return BigInt(digits).toString(16);
}

/** Telephony BCD: two digits per byte, low nibble first, odd length padded with F. */
export function tbcd(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i += 2) out += (digits[i + 1] ?? 'f') + digits[i];
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// "+" and "/" of standard base64 are "-" and "_" in base64url: match either.
const CLASS_BODY: Record<string, string> = { '+': '+\\-', '/': '/_' };

/** The characters (either alphabet) for one 6-bit value, as the inside of a regex class. */
function b64ClassBody(i: number): string {
  const c = B64[i]!;
  return CLASS_BODY[c] ?? c;
}

/**
 * Regex sources that find the string wherever it sits inside a larger
 * base64 (or base64url) blob: one per byte alignment (0, 1, 2 unknown bytes
 * before it in its 3-byte group). Characters that mix known and unknown bits
 * become character classes, so a neighbouring number that differs only in
 * its last digit does not match.
 */
export function base64Patterns(s: string): string[] {
  const out: string[] = [];
  const bytes = Buffer.from(s, 'latin1');
  for (let a = 0; a < 3; a++) {
    const cells: (number | undefined)[] = [...Array(a).fill(undefined), ...bytes];
    while (cells.length % 3) cells.push(undefined);
    const atoms: string[] = [];
    for (let g = 0; g < cells.length; g += 3) {
      let value = 0;
      let mask = 0;
      for (let k = 0; k < 3; k++) {
        const b = cells[g + k];
        value = (value << 8) | (b ?? 0);
        mask = (mask << 8) | (b === undefined ? 0 : 0xff);
      }
      for (let c = 3; c >= 0; c--) {
        const v = (value >> (c * 6)) & 63;
        const m = (mask >> (c * 6)) & 63;
        if (m === 0) atoms.push('');
        else if (m === 63) atoms.push(CLASS_BODY[B64[v]!] ? `[${b64ClassBody(v)}]` : B64[v]!);
        else {
          const chars: string[] = [];
          for (let i = 0; i < 64; i++) if ((i & m) === v) chars.push(b64ClassBody(i));
          atoms.push(`[${chars.join('')}]`);
        }
      }
    }
    while (atoms.length && atoms[0] === '') atoms.shift();
    while (atoms.length && atoms[atoms.length - 1] === '') atoms.pop();
    if (atoms.length >= 8) out.push(atoms.join(''));
  }
  return out;
}

/** Decodes %XX escapes one by one (a stray "%" is left alone, never throws); "+" read as a space. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  return s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
