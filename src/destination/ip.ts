// IP addresses as 16 bytes in one space: an IPv4 address is its IPv4-mapped
// IPv6 form (::ffff:a.b.c.d), so 127.0.0.1 and ::ffff:127.0.0.1 are the same
// value and every rule about one covers the other. Prefixes ("10.0.0.0/8",
// "fc00::/7") are compared bit by bit; an IPv4 prefix /n is the mapped /96+n.
import { isIP } from 'node:net';

export interface Prefix {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly text: string;
}

const MAPPED_HEAD = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseV4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return false;
    out[at + i] = Number(p);
  }
  return true;
}

/** An IP literal (as `net.isIP` accepts it, zone ids dropped) → 16 bytes; anything else → undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  const kind = isIP(text);
  if (kind === 0) return undefined;
  const out = new Uint8Array(16);
  if (kind === 4) {
    out.set(MAPPED_HEAD);
    return parseV4(text, out, 12) ? out : undefined;
  }
  let s = text;
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  let tailV4: string | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) !== -1) {
    tailV4 = s.slice(lastColon + 1);
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (all.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const v = parseInt(all[i]!, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailV4 !== undefined && !parseV4(tailV4, out, 12)) return undefined;
  return out;
}

/** "10.0.0.0/8", "fc00::/7", or a bare address (a single-host prefix). */
export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const v4 = isIP(addr) === 4;
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return undefined;
    bits = Number(b);
  }
  return { bytes, bits: v4 ? 96 + bits : bits, text };
}

export function inPrefix(addr: Uint8Array, p: Prefix): boolean {
  const full = p.bits >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== p.bytes[i]) return false;
  const rest = p.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[full]! & mask) === (p.bytes[full]! & mask);
}

export function isMappedV4(addr: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (addr[i] !== MAPPED_HEAD[i]) return false;
  return true;
}

/** The IPv4 address carried in 4 bytes at `at`, as mapped bytes. */
export function mappedFrom(addr: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(16);
  out.set(MAPPED_HEAD);
  out.set(addr.subarray(at, at + 4), 12);
  return out;
}

export function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whose traffic this is, for the limits kept per client: an IPv4 address (also
 * written IPv4-mapped), or the /64 of an IPv6 one. A phone is given a whole /64
 * (RFC 6459) and sends from any address in it (privacy addresses), so a limit
 * kept per IPv6 address would bound nothing.
 */
export function clientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const b = parseIp(address);
  if (!b) return address;
  if (isMappedV4(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return Buffer.from(b.subarray(0, 8)).toString('hex') + '::/64';
}
