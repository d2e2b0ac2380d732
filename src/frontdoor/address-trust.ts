// Which peers may speak for someone else (send a PROXY protocol header):
// exact addresses and IPv4 prefixes from `frontDoor.trustedProxies`, compared
// in one spelling (an IPv6 entry written long, "2001:db8:0:0::1", is the peer
// "2001:db8::1").
import { isIP } from 'node:net';
import { parseCidr } from '../config/schema.js';
import { canonicalAddress } from '../shared/address.js';

export class TrustedPeers {
  private readonly exact = new Set<string>();
  private readonly prefixes: { base: number; mask: number }[] = [];

  constructor(list: readonly string[]) {
    for (const s of list) {
      const c = s.includes('/') ? parseCidr(s) : undefined;
      if (c) this.prefixes.push({ base: c.base, mask: c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) >>> 0 });
      else this.exact.add(canonicalAddress(s));
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.prefixes.length === 0;
  }

  has(peer: string): boolean {
    const address = canonicalAddress(peer);
    if (this.exact.has(address)) return true;
    if (this.prefixes.length === 0 || isIP(address) !== 4) return false;
    const n = address.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
    return this.prefixes.some((p) => (n & p.mask) >>> 0 === p.base);
  }
}

/** "::ffff:10.0.0.1" → "10.0.0.1" (dual-stack sockets report IPv4 peers this way). */
export function unmapV4(a: string): string {
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a.toLowerCase();
}
