// PROXY protocol version 2 (HAProxy's specification, section 2.2): the binary
// header a load balancer or an internal hop prepends to a TCP stream to pass
// on the original client's address. Encoder and incremental parser; the
// listener decides whom to believe (never a peer it was not told to trust).
import { isIP } from 'node:net';

export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const HEADER_FIXED = 16;
/** Longest header we accept: IPv6 addresses plus room for TLVs (the spec allows 64 KiB; nobody needs it). */
export const PROXY_V2_MAX_BYTES = HEADER_FIXED + 36 + 512;

export interface ProxyEndpoint {
  address: string;
  port: number;
}

export type ProxyV2Result =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  /** LOCAL: the peer speaks for itself (health checks); PROXY: on behalf of `source`. */
  | { kind: 'local'; length: number }
  | { kind: 'proxy'; length: number; source: ProxyEndpoint; destination: ProxyEndpoint };

/** Encodes a PROXY command for a TCP connection from `source` to `destination` (both IPv4 or both IPv6). */
export function encodeProxyV2(source: ProxyEndpoint, destination: ProxyEndpoint): Buffer {
  const fam = isIP(source.address);
  if (fam === 0 || fam !== isIP(destination.address)) throw new Error('PROXY v2: source and destination must be IP addresses of one family');
  const alen = fam === 4 ? 12 : 36;
  const out = Buffer.alloc(HEADER_FIXED + alen);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = 0x21; // version 2, command PROXY
  out[13] = fam === 4 ? 0x11 : 0x21; // AF_INET / AF_INET6, STREAM
  out.writeUInt16BE(alen, 14);
  const a = fam === 4 ? 4 : 16;
  writeAddress(out, HEADER_FIXED, source.address, fam);
  writeAddress(out, HEADER_FIXED + a, destination.address, fam);
  out.writeUInt16BE(source.port, HEADER_FIXED + 2 * a);
  out.writeUInt16BE(destination.port, HEADER_FIXED + 2 * a + 2);
  return out;
}

/** A LOCAL command (no address: the connection is the sender's own, e.g. a health check). */
export function encodeProxyV2Local(): Buffer {
  const out = Buffer.alloc(HEADER_FIXED);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = 0x20;
  out[13] = 0x00;
  return out;
}

/** Parses a header at the start of `buf`; `incomplete` until enough bytes have arrived. */
export function parseProxyV2(buf: Buffer): ProxyV2Result {
  const n = Math.min(buf.length, PROXY_V2_SIGNATURE.length);
  if (!buf.subarray(0, n).equals(PROXY_V2_SIGNATURE.subarray(0, n))) return { kind: 'invalid', reason: 'no PROXY v2 signature' };
  if (buf.length < HEADER_FIXED) return { kind: 'incomplete' };
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return { kind: 'invalid', reason: 'not PROXY protocol version 2' };
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return { kind: 'invalid', reason: 'unknown PROXY v2 command' };
  const len = buf.readUInt16BE(14);
  const total = HEADER_FIXED + len;
  if (total > PROXY_V2_MAX_BYTES) return { kind: 'invalid', reason: 'PROXY v2 header too long' };
  if (buf.length < total) return { kind: 'incomplete' };
  if (cmd === 0) return { kind: 'local', length: total };
  const famProto = buf[13]!;
  const fam = famProto >> 4;
  const proto = famProto & 0x0f;
  if (proto !== 1) return { kind: 'invalid', reason: 'PROXY v2 transport is not a TCP stream' };
  if (fam === 1) {
    if (len < 12) return { kind: 'invalid', reason: 'PROXY v2 IPv4 address block too short' };
    const o = HEADER_FIXED;
    return {
      kind: 'proxy',
      length: total,
      source: { address: `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`, port: buf.readUInt16BE(o + 8) },
      destination: { address: `${buf[o + 4]}.${buf[o + 5]}.${buf[o + 6]}.${buf[o + 7]}`, port: buf.readUInt16BE(o + 10) },
    };
  }
  if (fam === 2) {
    if (len < 36) return { kind: 'invalid', reason: 'PROXY v2 IPv6 address block too short' };
    const o = HEADER_FIXED;
    return {
      kind: 'proxy',
      length: total,
      source: { address: ipv6(buf.subarray(o, o + 16)), port: buf.readUInt16BE(o + 32) },
      destination: { address: ipv6(buf.subarray(o + 16, o + 32)), port: buf.readUInt16BE(o + 34) },
    };
  }
  return { kind: 'invalid', reason: 'PROXY v2 address family is not IPv4 or IPv6' };
}

function writeAddress(out: Buffer, at: number, address: string, fam: 4 | 6 | number): void {
  if (fam === 4) {
    address.split('.').forEach((o, i) => (out[at + i] = Number(o)));
    return;
  }
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail ("::ffff:10.0.0.1") counts as two groups.
  const expand = (g: string[]) => g.flatMap((x) => (x.includes('.') ? ipv4Groups(x) : [x]));
  const hg = expand(h);
  const tg = expand(t);
  const groups = tail === undefined ? hg : [...hg, ...new Array<string>(8 - hg.length - tg.length).fill('0'), ...tg];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), at + 2 * i));
}

function ipv4Groups(v4: string): string[] {
  const o = v4.split('.').map(Number);
  return [((o[0]! << 8) | o[1]!).toString(16), ((o[2]! << 8) | o[3]!).toString(16)];
}

function ipv6(b: Buffer): string {
  // IPv4-mapped addresses are reported as plain IPv4, like the rest of hedge does.
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
