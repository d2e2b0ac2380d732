// Socket addresses. Dual-stack sockets report IPv4 peers as IPv4-mapped IPv6
// ("::ffff:10.0.0.1"); bindings, NAS lists and destination checks compare
// plain IPv4, so every listener unmaps through this one function. IP literals
// as 16 bytes (parseIp: an IPv4 address is its IPv4-mapped form) and whose
// traffic an address is for the limits kept per client (clientKey) live here
// too, so every listener, whatever its layer, counts a client the same way.
import { isIP, isIPv4, isIPv6 } from 'node:net';

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

/** The first 12 bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export const MAPPED_HEAD = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

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

export function isMappedV4(addr: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (addr[i] !== MAPPED_HEAD[i]) return false;
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
