// Who is the visitor? The socket's peer, unless that peer is one of the
// configured trusted reverse proxies: then the address that proxy recorded in
// X-Forwarded-For, read from the right and skipping further trusted hops.
// A client-supplied X-Forwarded-For from an untrusted peer is never believed
// (it would let anyone dodge the rate limit or pose as someone else).
import { BlockList, isIP } from 'node:net';
import { unmapIPv4 } from '../shared/address.js';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `cidrs`: addresses or CIDR blocks ("10.0.0.0/8", "::1", "fd00::/8"). Throws on a malformed entry. */
  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) {
      const [addr = '', bits] = c.trim().split('/');
      const family = isIP(addr);
      if (family === 0) throw new Error(`trusted proxy "${c}": not an IP address or CIDR block`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      const max = family === 6 ? 128 : 32;
      if (bits === undefined) this.list.addAddress(addr, type);
      else {
        const n = Number(bits);
        if (!/^\d{1,3}$/.test(bits) || n > max) throw new Error(`trusted proxy "${c}": prefix length must be 0-${max}`);
        this.list.addSubnet(addr, n, type);
      }
    }
    this.size = cidrs.length;
  }

  has(address: string): boolean {
    if (this.size === 0) return false;
    const a = unmapIPv4(address);
    const family = isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}

export interface ClientAddress {
  /** The visitor's address as best known. */
  address: string;
  /** True when it came from a trusted proxy's X-Forwarded-For. */
  viaTrustedProxy: boolean;
  /** How many X-Forwarded-For entries (from the right) trusted proxies added; the page hides those. */
  trustedHops: number;
}

/** `xff`: every X-Forwarded-For field value in order (a header may repeat). */
export function clientAddress(peer: string, xff: readonly string[], trusted: TrustedProxies): ClientAddress {
  const direct = unmapIPv4(peer);
  if (!trusted.has(direct)) return { address: direct, viaTrustedProxy: false, trustedHops: 0 };
  const hops = xff
    .flatMap((v) => v.split(','))
    .map((s) => stripPort(s.trim()))
    .filter((s) => s.length > 0);
  let trustedHops = 0;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    trustedHops++;
    if (isIP(hop) === 0) break; // garbage from the client side: stop believing here
    if (!trusted.has(hop)) return { address: hop, viaTrustedProxy: true, trustedHops };
  }
  // Every hop was a trusted proxy (or there was none): the nearest one is all we know.
  return { address: direct, viaTrustedProxy: hops.length > 0, trustedHops };
}

/** "1.2.3.4:5678" → "1.2.3.4", "[::1]:80" → "::1"; anything else unchanged. */
function stripPort(s: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (v6) return v6[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(s);
  return v4 ? v4[1]! : s;
}
