// Binding keys: what a binding is keyed by. An IPv4 binding is keyed by the
// address ("10.0.0.1"); an IPv6 binding by a prefix in canonical form — the
// network address in RFC 5952 text, a slash and the length
// ("2001:db8:1:2::/64"). A phone's IPv6 addresses change at will inside its
// /64 (privacy addresses), so a v6 source is found by the prefix that holds
// it: the lookup masks the source to each prefix length in use (longest
// first) and looks that key up — a map probe per length, never a scan.
// IPv4-mapped IPv6 ("::ffff:10.0.0.1") is IPv4 everywhere.
import { isIP } from 'node:net';

/** The prefix length a mobile data session gets (RFC 6459) and the one looked up first. */
export const DEFAULT_V6_LENGTH = 64;

export interface ParsedKey {
  key: string;
  family: 4 | 6;
  /** 32 for IPv4; the prefix length for IPv6. */
  length: number;
}

/**
 * The canonical binding key of operator or NAS input: an IPv4 address, an
 * IPv6 address (bound at `v6AddressLength`, default 128: exactly that
 * address) or an IPv6 prefix "addr/len". A string explains what is wrong.
 * With `strict`, a prefix whose host bits are set is refused (config and
 * admin input: probably a typo); without, they are cleared (RFC 4818: the
 * receiver ignores them).
 */
export function parseBindingKey(input: string, opts: { v6AddressLength?: number; strict?: boolean } = {}): ParsedKey | string {
  const s = input.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const fam = isIP(addr);
  if (fam === 0) return `"${input}" is not an IP address or IPv6 prefix`;
  const v4 = fam === 4 ? addr : mappedV4(addr);
  if (v4 !== undefined) {
    if (slash >= 0 && s.slice(slash + 1) !== '32' && !(fam === 6 && s.slice(slash + 1) === '128')) return `"${input}": IPv4 bindings are single addresses (no prefix)`;
    return { key: v4, family: 4, length: 32 };
  }
  let length = opts.v6AddressLength ?? 128;
  if (slash >= 0) {
    const l = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l) || Number(l) > 128) return `"${input}": the prefix length must be 0–128`;
    length = Number(l);
  }
  const groups = parseV6(addr)!;
  const net = maskV6(groups, length);
  if (opts.strict && slash >= 0 && net.some((g, i) => g !== groups[i])) return `"${input}" has bits set beyond /${length}; the prefix is ${formatV6(net)}/${length}`;
  return { key: `${formatV6(net)}/${length}`, family: 6, length };
}

/** The canonical key, or undefined when the input is not an address or prefix. */
export function bindingKey(input: string, opts: { v6AddressLength?: number } = {}): string | undefined {
  const p = parseBindingKey(input, opts);
  return typeof p === 'string' ? undefined : p.key;
}

/** The prefix length of a canonical key (32 for IPv4). */
export function keyLength(key: string): number {
  const slash = key.indexOf('/');
  return slash < 0 ? 32 : Number(key.slice(slash + 1));
}

/** True when a canonical key is an IPv6 prefix. */
export function isV6Key(key: string): boolean {
  return key.includes('/');
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, else undefined. */
export function mappedV4(addr: string): string | undefined {
  if (addr.length < 9 || addr.charCodeAt(0) !== 58 /* : */) return undefined;
  const lower = addr.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return undefined;
}

/**
 * A source address as the lookup sees it: IPv4 as is (mapped IPv6 unmapped),
 * IPv6 as its eight 16-bit groups, or undefined when it is neither.
 */
export function sourceOf(addr: string): string | number[] | undefined {
  if (addr.indexOf(':') < 0) return addr;
  const v4 = mappedV4(addr);
  if (v4 !== undefined) return v4;
  const pct = addr.indexOf('%'); // a zone id (fe80::1%eth0) is not part of the address
  return parseV6(pct < 0 ? addr : addr.slice(0, pct));
}

// Phones send many requests from the same address (a privacy address lives for
// hours): the /64 key of recent source addresses is remembered, so the hot
// path is two map probes, like an IPv4 lookup. Bounded: emptied when full.
const KEY64_MEMO_MAX = 100_000;
const key64Memo = new Map<string, string | null>();

/**
 * The /64 key holding an IPv6 source address (not IPv4-mapped: callers
 * unmap first), or undefined when it is not an IPv6 address. Memoised.
 */
export function key64Of(address: string): string | undefined {
  let k = key64Memo.get(address);
  if (k === undefined) {
    const pct = address.indexOf('%');
    const g = parseV6(pct < 0 ? address : address.slice(0, pct));
    k = g ? prefixKey(g, DEFAULT_V6_LENGTH) : null;
    if (key64Memo.size >= KEY64_MEMO_MAX) key64Memo.clear();
    key64Memo.set(address, k);
  }
  return k ?? undefined;
}

/** The key of the /len prefix holding an address given as groups. */
export function prefixKey(groups: readonly number[], length: number): string {
  if (length <= DEFAULT_V6_LENGTH && length >= 0) {
    // The hot path (a phone's /64, and the shorter prefixes a lookup probes when a
    // delegated /56 or /48 is bound): the network is within the first four groups
    // and the last four are zero, so its longest zero run is always the tail
    // (4 groups or more; one inside the first four is at most 3), and RFC 5952
    // text is those groups, masked, with trailing zero groups folded into "::".
    const full = length >> 4;
    const bits = length & 15;
    const n = bits === 0 ? full : full + 1;
    let last = n - 1;
    while (last >= 0 && (last < full ? groups[last]! : groups[last]! & ((0xffff << (16 - bits)) & 0xffff)) === 0) last--;
    let out = '';
    for (let i = 0; i <= last; i++) out += (i === 0 ? '' : ':') + (i < full ? groups[i]! : groups[i]! & ((0xffff << (16 - bits)) & 0xffff)).toString(16);
    return out + '::/' + length;
  }
  return `${formatV6(maskV6(groups, length))}/${length}`;
}

/** Eight 16-bit groups of an IPv6 address (embedded IPv4 tail allowed), or undefined. One pass over the characters. */
export function parseV6(s: string): number[] | undefined {
  const out = [0, 0, 0, 0, 0, 0, 0, 0];
  const len = s.length;
  let n = 0; // groups read
  let gap = -1; // where "::" stands, in groups
  let cur = 0;
  let digits = 0;
  let i = 0;
  if (len >= 2 && s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) {
      if (digits === 0) {
        if (gap >= 0 || i === 0) return undefined;
        gap = n;
        continue;
      }
      if (n >= 8 || i === len - 1) return undefined;
      out[n++] = cur;
      cur = 0;
      digits = 0;
      continue;
    }
    let v: number;
    if (c >= 48 && c <= 57) v = c - 48;
    else if (c >= 97 && c <= 102) v = c - 87;
    else if (c >= 65 && c <= 70) v = c - 55;
    else if (c === 46 /* . */)
      return parseV6Slow(s); // embedded IPv4 tail: rare
    else return undefined;
    if (++digits > 4) return undefined;
    cur = cur * 16 + v;
  }
  if (digits > 0) {
    if (n >= 8) return undefined;
    out[n++] = cur;
  }
  if (gap < 0) return n === 8 ? out : undefined;
  if (n >= 8) return undefined;
  const after = n - gap;
  for (let k = after - 1; k >= 0; k--) out[8 - after + k] = out[gap + k]!;
  for (let k = gap; k < 8 - after; k++) out[k] = 0;
  return out;
}

function parseV6Slow(s: string): number[] | undefined {
  const dbl = s.indexOf('::');
  let head: string[];
  let tail: string[];
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined;
    head = dbl === 0 ? [] : s.slice(0, dbl).split(':');
    tail = dbl + 2 === s.length ? [] : s.slice(dbl + 2).split(':');
  } else {
    head = s.split(':');
    tail = [];
  }
  const h = groupsOf(head, tail.length === 0 && dbl < 0);
  const t = groupsOf(tail, true);
  if (!h || !t) return undefined;
  if (dbl < 0) return h.length === 8 ? h : undefined;
  const zeros = 8 - h.length - t.length;
  if (zeros < 1) return undefined;
  const out = h;
  for (let i = 0; i < zeros; i++) out.push(0);
  for (const g of t) out.push(g);
  return out;
}

function groupsOf(parts: string[], lastMayBeV4: boolean): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (lastMayBeV4 && i === parts.length - 1 && p.includes('.')) {
      if (isIP(p) !== 4) return undefined;
      const o = p.split('.').map(Number);
      out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      continue;
    }
    if (p.length === 0 || p.length > 4) return undefined;
    const n = parseInt(p, 16);
    if (Number.isNaN(n) || !/^[0-9a-fA-F]+$/.test(p)) return undefined;
    out.push(n);
  }
  return out;
}

function maskV6(groups: readonly number[], length: number): number[] {
  const out = new Array<number>(8);
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, length - 16 * i));
    out[i] = bits === 0 ? 0 : groups[i]! & ((0xffff << (16 - bits)) & 0xffff);
  }
  return out;
}

/** RFC 5952 text: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function formatV6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number) =>
    groups
      .slice(a, b)
      .map((g) => g.toString(16))
      .join(':');
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** The 16 octets of an address given as groups (RADIUS encodes prefixes as octets). */
export function groupsFromOctets(b: Buffer | Uint8Array): number[] {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  return g;
}

export function octetsFromGroups(groups: readonly number[]): Buffer {
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

/** True when the binding key holds the address (IPv4: the same address; IPv6: inside the prefix). */
export function keyHolds(key: string, address: string): boolean {
  const src = sourceOf(address);
  if (src === undefined) return false;
  if (typeof src === 'string') return src === key;
  return isV6Key(key) && prefixKey(src, keyLength(key)) === key;
}

/** At most this many keys probed per longer prefix length when a prefix is bound over them (stores' displaceInside): a /56 over /64s. */
export const MAX_KEYS_INSIDE = 256;

/** Whether a Start of a /`outer` prefix probes the keys at /`length` inside it (keysInside: at most MAX_KEYS_INSIDE of them). */
export function probedInside(outer: number, length: number): boolean {
  return length > outer && length - outer <= 30 && 2 ** (length - outer) <= MAX_KEYS_INSIDE;
}

/**
 * The IPv6 binding keys at `length` inside the prefix `key` (shorter than `length`): every one a
 * binding there could have — or undefined when there are more than `max` (enumerating a /48's
 * /64s is 65 536 keys). For a prefix bound over bindings of other sessions inside it.
 */
export function keysInside(key: string, length: number, max: number): string[] | undefined {
  const outer = keyLength(key);
  const bits = length - outer;
  if (!isV6Key(key) || bits <= 0 || bits > 30 || 2 ** bits > max) return undefined;
  const base = parseV6(key.slice(0, key.indexOf('/')));
  if (!base) return undefined;
  const out: string[] = [];
  for (let i = 0; i < 2 ** bits; i++) {
    const g = maskV6(base, outer);
    for (let j = 0; j < bits; j++) {
      if (((i >> (bits - 1 - j)) & 1) === 0) continue;
      const pos = outer + j;
      g[pos >> 4] = g[pos >> 4]! | (1 << (15 - (pos & 15)));
    }
    out.push(prefixKey(g, length));
  }
  return out;
}

/**
 * The keys of the prefixes at `lengths` (any order) shorter than `key` that hold it: where a binding
 * covering this one could be (at most one per length). Empty for an IPv4 key.
 */
export function coveringKeys(key: string, lengths: readonly number[]): string[] {
  if (!isV6Key(key)) return [];
  const len = keyLength(key);
  const out: string[] = [];
  let groups: number[] | undefined;
  for (const l of lengths) {
    if (l >= len) continue;
    groups ??= parseV6(key.slice(0, key.indexOf('/')));
    if (!groups) return [];
    out.push(prefixKey(groups, l));
  }
  return out;
}
