// Which NAS an accounting request is about. The datagram's source is the
// RADIUS client that sent it — the NAS itself, or a proxy forwarding for many
// NASes, all with the proxy's source. The NAS is the one the packet names
// (RFC 2866 §4.1: NAS-IP-Address or NAS-Identifier, or both; NAS-IPv6-Address,
// RFC 3162), taken in that order — NAS-IP-Address, NAS-IPv6-Address,
// NAS-Identifier — so a NAS must name itself the same way in all its packets.
// It is scoped under the source (`<nas>@<source>`): a client vouches only for
// the NASes behind it, and one NAS's packets can never reach another client's
// sessions. A packet naming no NAS, or naming its own source address, is the
// source's: the same identity as before NAS attributes were read, for a NAS
// that talks to hedge directly.
//
// This identity is the NAS of a session (NAS, Acct-Session-Id) and the scope of
// Accounting-On/Off; it is stored with each binding (`nas`).
import { canonicalAddress } from '../../shared/address.js';
import type { AccountingRequest } from './packet.js';

export function nasIdentity(source: string, req: Pick<AccountingRequest, 'nasIp' | 'nasIpv6' | 'nasIdentifier'>): string {
  const ip = req.nasIp ?? req.nasIpv6;
  if (ip !== undefined) {
    const a = canonicalAddress(ip);
    return a === source ? source : `${a}@${source}`;
  }
  // Percent-encoded: an identifier cannot spell an address, an "@" or the "|" of the Redis keys built from it.
  if (req.nasIdentifier !== undefined) return `id:${encodeURIComponent(req.nasIdentifier)}@${source}`;
  return source;
}
