// Transparent mode: the Host header is client-controlled. A client could send
// "Host: partner.example" to its own server's address and collect a partner's
// headers. So a flow is enriched only when the Host resolves to the address
// the connection was really made to (known when the gateway receives
// connections with their original destination, e.g. TPROXY: the accepted
// socket's local address is the original destination).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Target } from '../pipeline/flow.js';
import type { Resolver } from './resolve.js';
import { unmapIPv4 } from '../shared/address.js';

export function destinationMatches(target: Target, originalAddress: string, resolver: Resolver): boolean | Promise<boolean> {
  const original = unmapIPv4(originalAddress);
  const pinned = resolver.pinned(target.host, target.port);
  if (pinned) return unmapIPv4(pinned.address) === original;
  if (isIP(target.host)) return target.host === original;
  return lookup(target.host, { all: true, verbatim: true }).then(
    (addrs) => addrs.some((a) => unmapIPv4(a.address) === original),
    () => false,
  );
}
