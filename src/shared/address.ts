// Socket addresses. Dual-stack sockets report IPv4 peers as IPv4-mapped IPv6
// ("::ffff:10.0.0.1"); bindings, NAS lists and destination checks compare
// plain IPv4, so every listener unmaps through this one function.
import { isIPv4 } from 'node:net';

/** "::ffff:10.0.0.1" → "10.0.0.1"; every other address unchanged. */
export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}
