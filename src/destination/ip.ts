// IP addresses as 16 bytes in one space: an IPv4 address is its IPv4-mapped
// IPv6 form (::ffff:a.b.c.d), so 127.0.0.1 and ::ffff:127.0.0.1 are the same
// value and every rule about one covers the other. Prefixes ("10.0.0.0/8",
// "fc00::/7") are compared bit by bit; an IPv4 prefix /n is the mapped /96+n.
import { isIP } from 'node:net';
import { MAPPED_HEAD, parseIp, isMappedV4 } from '../shared/address.js';

// IP literals are parsed in the toolbox (shared/address.ts), next to clientKey.
export { parseIp, isMappedV4 };

export interface Prefix {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly text: string;
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
