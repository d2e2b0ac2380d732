// Socket addresses. Dual-stack sockets report IPv4 peers as IPv4-mapped IPv6
// ("::ffff:10.0.0.1"); bindings, NAS lists and destination checks compare
// plain IPv4, so every listener unmaps through this one function.
import { isIPv4, isIPv6 } from 'node:net';

/** "::ffff:10.0.0.1" → "10.0.0.1"; every other address unchanged. */
export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * One spelling per address, as sockets report them: IPv6 compressed in lower
 * case (RFC 5952: "2001:DB8:0:0::1" → "2001:db8::1"), IPv4-mapped IPv6 in
 * either form as plain IPv4. A configured address is compared with a socket's
 * only in this form; anything that is not an address is returned lower-cased.
 */
export function canonicalAddress(address: string): string {
  const a = unmapIPv4(address.toLowerCase());
  if (!isIPv6(a)) return a;
  // A link-local address's zone ("%eth0") is kept as it is; the URL parser takes none.
  const zoneAt = a.indexOf('%');
  if (zoneAt !== -1) return canonicalAddress(a.slice(0, zoneAt)) + a.slice(zoneAt);
  // The URL parser serialises IPv6 hosts in RFC 5952 form (mapped IPv4 as two hex groups).
  const v6 = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
