// The destinations no proxied request may reach unless the operator allows
// them: addresses that lead back into the gateway host or into the operator's
// own network rather than to the web. Sources: RFC 6890 (special-purpose
// registries), RFC 1918, RFC 6598 (CGNAT), RFC 4193 (ULA), RFC 4291, RFC 6052
// (NAT64), RFC 3056 (6to4).
import { inPrefix, isMappedV4, mappedFrom, parsePrefix, type Prefix } from './ip.js';

/** Why a destination was refused: a metric label, never the address. */
export type RefusalReason = 'loopback' | 'unspecified' | 'link-local' | 'multicast' | 'broadcast' | 'private' | 'reserved' | 'own-listener' | 'denied';

const TABLE: [string, RefusalReason][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'],
  ['198.18.0.0/15', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // IPv4-compatible (deprecated)
  ['100::/64', 'reserved'], // discard
  ['2001:db8::/32', 'reserved'],
  ['64:ff9b:1::/48', 'private'], // local-use NAT64
  ['fc00::/7', 'private'],
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

const BUILTIN: { prefix: Prefix; reason: RefusalReason }[] = TABLE.map(([text, reason]) => ({ prefix: parsePrefix(text)!, reason })).sort((a, b) => b.prefix.bits - a.prefix.bits);
const NAT64 = parsePrefix('64:ff9b::/96')!;
const SIX_TO_FOUR = parsePrefix('2002::/16')!;

/** The reason an address is special (longest matching prefix), or undefined for an ordinary public address. */
export function builtinReason(addr: Uint8Array): RefusalReason | undefined {
  // Translated forms lead to the IPv4 address they carry: judge that one.
  if (!isMappedV4(addr)) {
    if (inPrefix(addr, NAT64)) return builtinReason(mappedFrom(addr, 12));
    if (inPrefix(addr, SIX_TO_FOUR)) return builtinReason(mappedFrom(addr, 2));
  }
  for (const r of BUILTIN) if (inPrefix(addr, r.prefix)) return r.reason;
  return undefined;
}
