// The NAS clients allowed to send accounting, compiled once: exact addresses
// in a map, prefixes scanned most specific first. A source that matches none
// is not a client, whatever its packet says.
import { isIP } from 'node:net';
import { parseCidr, type RadiusConfig } from '../../config/schema.js';
import type { NumberFormat } from '../../subscriber/normalize.js';
import { canonicalAddress } from '../../shared/address.js';

export interface NasClient {
  /** Name for logs and metrics: the configured name, else the address or prefix. */
  name: string;
  secret: string;
  secretBytes: Buffer;
  /** How it writes numbers without "+" (per client, else radius.numberFormat). */
  numberFormat: NumberFormat;
  /** The length a Framed-IPv6-Address from this NAS is bound at. */
  ipv6PrefixLength: number;
}

export interface ClientTable {
  match(address: string): NasClient | undefined;
}

export function compileClients(clients: RadiusConfig['clients'], defaultFormat: NumberFormat = 'international'): ClientTable {
  const exact = new Map<string, NasClient>();
  const prefixes: { base: number; mask: number; bits: number; client: NasClient }[] = [];
  for (const c of clients) {
    const client: NasClient = {
      name: c.name ?? c.address ?? c.cidr ?? 'nas',
      secret: c.secret,
      secretBytes: Buffer.from(c.secret, 'utf8'),
      numberFormat: c.numberFormat ?? defaultFormat,
      ipv6PrefixLength: c.ipv6PrefixLength ?? 64,
    };
    if (c.address) exact.set(canonical(c.address), client);
    else if (c.cidr) {
      const p = parseCidr(c.cidr)!;
      prefixes.push({ base: p.base, mask: p.bits === 0 ? 0 : (0xffffffff << (32 - p.bits)) >>> 0, bits: p.bits, client });
    }
  }
  prefixes.sort((a, b) => b.bits - a.bits);
  return {
    match(address: string): NasClient | undefined {
      const a = canonical(address);
      const hit = exact.get(a);
      if (hit || prefixes.length === 0 || isIP(a) !== 4) return hit;
      const n = ipv4ToInt(a);
      for (const p of prefixes) if ((n & p.mask) >>> 0 === p.base) return p.client;
      return undefined;
    },
  };
}

/**
 * The address as node:dgram reports a source: IPv4-mapped IPv6 as plain IPv4, IPv6 compressed in lower case.
 * A NAS configured as "2001:db8:0:0::1" is the source "2001:db8::1" (it matched no packet before).
 */
export function canonical(address: string): string {
  return canonicalAddress(address);
}

export function ipv4ToInt(ip: string): number {
  let n = 0;
  for (const o of ip.split('.')) n = n * 256 + Number(o);
  return n >>> 0;
}

export function intToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * Framed-IP translation (radius.framedAddressMap): the address the gateway will
 * see for a framed address, keeping host bits. Identity when no prefix matches.
 */
export function compileAddressMap(map: RadiusConfig['framedAddressMap']): (ip: string) => string {
  if (map.length === 0) return (ip) => ip;
  const rules = map.map((m) => {
    const from = parseCidr(m.from)!;
    const to = parseCidr(m.to)!;
    const mask = from.bits === 0 ? 0 : (0xffffffff << (32 - from.bits)) >>> 0;
    return { from: from.base, to: to.base, mask, bits: from.bits };
  });
  rules.sort((a, b) => b.bits - a.bits);
  return (ip) => {
    if (isIP(ip) !== 4) return ip;
    const n = ipv4ToInt(ip);
    for (const r of rules) if ((n & r.mask) >>> 0 === r.from) return intToIpv4((r.to | (n & ~r.mask)) >>> 0);
    return ip;
  };
}
