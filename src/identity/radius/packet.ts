// RADIUS accounting packets (RFC 2866): strict framing checks, the request
// authenticator and Message-Authenticator checks, and the decoded fields hedge binds on. Decoding itself
// is done by the npm `radius` package with the 3GPP dictionary.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { radiusWith3gpp, VENDOR_3GPP } from './dictionary.js';
import { formatV6, groupsFromOctets } from '../../shared/binding-key.js';
import { isImsi } from '../../subscriber/normalize.js';

export const CODE_ACCOUNTING_REQUEST = 4;
const HEADER = 20;
const MAX_PACKET = 4096; // RFC 2865 §3
const ATTR_VENDOR_SPECIFIC = 26;
const ZERO_AUTH = Buffer.alloc(16);
const ATTR_MESSAGE_AUTHENTICATOR = 80;

export type AcctStatus = 'start' | 'stop' | 'interim' | 'on' | 'off' | 'other';

/** An IPv6 address attribute of a session: the prefix, or one address, as 16-bit groups. */
export interface V6Attribute {
  attribute: V6AttributeName;
  groups: number[];
  /** The prefix length carried; 128 for Framed-IPv6-Address (the NAS's ipv6PrefixLength decides how it is bound). */
  length: number;
}

export type V6AttributeName = 'Framed-IPv6-Prefix' | 'Delegated-IPv6-Prefix' | 'Framed-IPv6-Address';

/** An attribute a request carried in a form hedge cannot use: the only label its counter takes. */
export type DroppedAttribute = V6AttributeName | 'Framed-IP-Address' | 'NAS-IP-Address' | 'NAS-IPv6-Address' | '3GPP-RAT-Type' | '3GPP-IMSI';

export interface AccountingRequest {
  identifier: number;
  status: AcctStatus;
  framedIp?: string | undefined;
  /** Framed-IPv6-Prefix (97), Delegated-IPv6-Prefix (123), Framed-IPv6-Address (168), well formed. */
  v6: V6Attribute[];
  /** Attributes present but malformed or unusable, ignored while the rest applies (names, for the counter). */
  dropped: DroppedAttribute[];
  msisdn?: string | undefined;
  imsi?: string | undefined;
  imeisv?: string | undefined;
  ratType?: number | undefined;
  sessionId?: string | undefined;
  /** Acct-Interim-Interval in seconds, when the NAS sent it. */
  interimInterval?: number | undefined;
  /** Event-Timestamp (RFC 2869 §5.3): when the event happened, seconds since the epoch. */
  eventTimestamp?: number | undefined;
  /** Acct-Delay-Time (RFC 2866 §5.2): how many seconds the NAS has been trying to send it. */
  delaySeconds?: number | undefined;
  /** The NAS the request is about (nas-identity.ts): NAS-IP-Address, NAS-IPv6-Address (text), NAS-Identifier. */
  nasIp?: string | undefined;
  nasIpv6?: string | undefined;
  nasIdentifier?: string | undefined;
}

export type FrameProblem = 'truncated' | 'bad_length' | 'bad_attribute' | 'unsupported_code';

/**
 * Checks a datagram's framing before anything else reads it: header, length
 * field, and every attribute (and 3GPP sub-attribute) TLV within bounds.
 * Returns the problem, or the packet's length when it is well formed.
 */
export function checkFrame(buf: Buffer): FrameProblem | number {
  if (buf.length < HEADER) return 'truncated';
  if (buf[0] !== CODE_ACCOUNTING_REQUEST) return 'unsupported_code';
  const length = buf.readUInt16BE(2);
  // Octets beyond Length are padding and ignored (RFC 2865 §3); fewer is a truncated packet.
  if (length < HEADER || length > MAX_PACKET) return 'bad_length';
  if (length > buf.length) return 'truncated';
  let at = HEADER;
  while (at < length) {
    if (at + 2 > length) return 'bad_attribute';
    const type = buf[at]!;
    const len = buf[at + 1]!;
    if (len < 2 || at + len > length) return 'bad_attribute';
    if (type === ATTR_VENDOR_SPECIFIC) {
      if (len < 6 || buf[at + 2] !== 0) return 'bad_attribute';
      if (buf.readUInt32BE(at + 2) === VENDOR_3GPP && !subAttributesWellFormed(buf, at + 6, at + len)) return 'bad_attribute';
    }
    at += len;
  }
  return length;
}

function subAttributesWellFormed(buf: Buffer, from: number, to: number): boolean {
  let at = from;
  while (at < to) {
    if (at + 2 > to) return false;
    const len = buf[at + 1]!;
    if (len < 2 || at + len > to) return false;
    at += len;
  }
  return true;
}

/** RFC 2866 §3: MD5(Code ‖ Identifier ‖ Length ‖ 16 zero octets ‖ Attributes ‖ Secret), compared in constant time. */
export function requestAuthenticatorValid(packet: Buffer, secret: Buffer): boolean {
  const h = createHash('md5');
  h.update(packet.subarray(0, 4));
  h.update(ZERO_AUTH);
  h.update(packet.subarray(HEADER));
  h.update(secret);
  return timingSafeEqual(h.digest(), packet.subarray(4, HEADER));
}

/**
 * RFC 3579 §3.2, RFC 5080 §2.2.2: a request carrying a Message-Authenticator
 * (80) whose value does not verify is silently discarded. Its value is
 * HMAC-MD5(secret, packet) with its own 16 octets zeroed; in an
 * Accounting-Request the Request Authenticator field is zeroed too, as the
 * sender computes the Message-Authenticator before the Request Authenticator
 * (which covers it) — FreeRADIUS and radclient do so. Compared in constant
 * time. True when there is none; false when it is malformed, repeated or
 * wrong. `packet` is framed (checkFrame) and its request authenticator
 * verified.
 */
export function messageAuthenticatorValid(packet: Buffer, secret: Buffer): boolean {
  let found = -1;
  for (let at = HEADER, end = packet.length; at < end; at += packet[at + 1]!) {
    if (packet[at] !== ATTR_MESSAGE_AUTHENTICATOR) continue;
    if (found >= 0 || packet[at + 1] !== 18) return false;
    found = at + 2;
  }
  if (found < 0) return true;
  const copy = Buffer.from(packet);
  copy.fill(0, 4, HEADER);
  copy.fill(0, found, found + 16);
  return timingSafeEqual(createHmac('md5', secret).update(copy).digest(), packet.subarray(found, found + 16));
}

const STATUS: Record<string, AcctStatus> = { Start: 'start', Stop: 'stop', 'Interim-Update': 'interim', 'Accounting-On': 'on', 'Accounting-Off': 'off' };

interface Decoded {
  identifier: number;
  attributes: Record<string, unknown> & { 'Vendor-Specific'?: Record<string, unknown> };
}

/** Decodes a framed, authenticated packet. Throws on content the package cannot read. */
export function decodeAccounting(packet: Buffer): AccountingRequest {
  const radius = radiusWith3gpp();
  // The authenticator was already verified (constant-time) by requestAuthenticatorValid.
  const d = radius.decode_without_secret({ packet }) as unknown as Decoded;
  const a = d.attributes;
  const vsa = a['Vendor-Specific'] ?? {};
  const st = a['Acct-Status-Type'];
  const framed = single(a['Framed-IP-Address']);
  const rat = single(vsa['3GPP-RAT-Type']);
  const interim = single(a['Acct-Interim-Interval']);
  const eventTs = single(a['Event-Timestamp']);
  const delay = single(a['Acct-Delay-Time']);
  const nasIp = single(a['NAS-IP-Address']);
  const nasIpv6 = single(a['NAS-IPv6-Address']);
  const v6 = ipv6Attributes(packet);
  const framedIp = typeof framed === 'string' && isIP(framed) === 4 ? framed : undefined;
  const ratType = Buffer.isBuffer(rat) && rat.length === 1 ? rat[0] : undefined;
  const imsi = text(vsa['3GPP-IMSI']);
  const nasIpv4 = typeof nasIp === 'string' && isIP(nasIp) === 4 ? nasIp : undefined;
  const nasIpv6Text = Buffer.isBuffer(nasIpv6) && nasIpv6.length === 16 ? formatV6(groupsFromOctets(nasIpv6)) : undefined;
  // Present but unusable (a wrong length, not an IMSI): ignored, the rest applies, and counted — a NAS sending them needs fixing.
  const dropped: DroppedAttribute[] = [...v6.dropped];
  if (framed !== undefined && framedIp === undefined) dropped.push('Framed-IP-Address');
  if (nasIp !== undefined && nasIpv4 === undefined) dropped.push('NAS-IP-Address');
  if (nasIpv6 !== undefined && nasIpv6Text === undefined) dropped.push('NAS-IPv6-Address');
  if (rat !== undefined && ratType === undefined) dropped.push('3GPP-RAT-Type');
  if (imsi !== undefined && !isImsi(imsi)) dropped.push('3GPP-IMSI');
  return {
    identifier: d.identifier,
    status: (typeof st === 'string' && STATUS[st]) || 'other',
    framedIp,
    v6: v6.found,
    dropped,
    msisdn: text(a['Calling-Station-Id']),
    imsi,
    imeisv: text(vsa['3GPP-IMEISV']),
    ratType,
    sessionId: text(a['Acct-Session-Id']),
    interimInterval: typeof interim === 'number' && interim > 0 ? interim : undefined,
    // The package decodes a date as a Date of its 32-bit seconds.
    eventTimestamp: eventTs instanceof Date && !Number.isNaN(eventTs.getTime()) ? Math.floor(eventTs.getTime() / 1000) : undefined,
    delaySeconds: typeof delay === 'number' && delay >= 0 ? delay : undefined,
    nasIp: nasIpv4,
    nasIpv6: nasIpv6Text,
    nasIdentifier: text(a['NAS-Identifier']),
  };
}

const V6_ATTRIBUTES: Record<number, V6AttributeName> = { 97: 'Framed-IPv6-Prefix', 123: 'Delegated-IPv6-Prefix', 168: 'Framed-IPv6-Address' };
/** A prefix wider than this is no subscriber's: refused (it would bind a large part of the address space to one subscriber). */
export const MIN_V6_PREFIX_LENGTH = 32;
/**
 * IPv6 address attributes a request may bind: a session names a few (its /64,
 * a delegated prefix, an address). A packet holds ~360: every bound key names
 * the others (k² entries written) and each prefix is probed for leftovers
 * inside it (k × 256), so the rest are dropped and counted.
 */
export const MAX_V6_ATTRIBUTES = 8;

/**
 * The IPv6 attributes of a framed packet, read from the wire (the npm package
 * knows no Framed-IPv6-Address and leaves prefixes undecoded). A prefix
 * attribute is Reserved(1) Prefix-Length(1) Prefix(0..16) (RFC 3162 §2.3,
 * RFC 4818 §3): a length over 128 or under MIN_V6_PREFIX_LENGTH, fewer
 * octets than the length needs, or more than 16, is malformed; bits beyond
 * the length are ignored (RFC 4818). Framed-IPv6-Address is exactly 16
 * octets (RFC 6911 §3.1). Well-formed ones past MAX_V6_ATTRIBUTES are dropped.
 */
export function ipv6Attributes(packet: Buffer): { found: V6Attribute[]; dropped: V6AttributeName[] } {
  const found: V6Attribute[] = [];
  const dropped: V6AttributeName[] = [];
  for (let at = HEADER, end = packet.readUInt16BE(2); at < end; at += packet[at + 1]!) {
    const name = V6_ATTRIBUTES[packet[at]!];
    if (!name) continue;
    const value = packet.subarray(at + 2, at + packet[at + 1]!);
    if (name === 'Framed-IPv6-Address') {
      if (value.length !== 16 || found.length >= MAX_V6_ATTRIBUTES) dropped.push(name);
      else found.push({ attribute: name, groups: groupsFromOctets(value), length: 128 });
      continue;
    }
    const length = value[1] ?? -1;
    const octets = value.length - 2;
    if (value.length < 2 || octets > 16 || length > 128 || length < MIN_V6_PREFIX_LENGTH || octets < Math.ceil(length / 8)) dropped.push(name);
    else if (found.length >= MAX_V6_ATTRIBUTES) dropped.push(name);
    else found.push({ attribute: name, groups: groupsFromOctets(value.subarray(2)), length });
  }
  return { found, dropped };
}

const ATTR_PROXY_STATE = 33;

/**
 * Accounting-Response (code 5) for a verified request (RFC 2866 §3):
 * MD5(Code ‖ Identifier ‖ Length ‖ Request Authenticator ‖ Attributes ‖ Secret),
 * echoing Proxy-State attributes in order (RFC 2865 §5.33). Built directly (it
 * is 20 octets plus Proxy-State) because this is the listener's per-packet
 * cost. A request that carried a Message-Authenticator is answered with one
 * (RFC 3579 §3.2), computed as FreeRADIUS and radclient verify it for an
 * Accounting-Response: HMAC-MD5 over the response with the authenticator
 * field and its own value zeroed, before the Response Authenticator (which
 * covers it). (The `radius` package puts the Request Authenticator in that
 * field instead, which radclient refuses.)
 */
export function encodeAccountingResponse(packet: Buffer, secret: Buffer): Buffer {
  const attrs: Buffer[] = [];
  let hasMessageAuthenticator = false;
  for (let at = HEADER, end = packet.readUInt16BE(2); at < end; at += packet[at + 1]!) {
    if (packet[at] === ATTR_PROXY_STATE) attrs.push(packet.subarray(at, at + packet[at + 1]!));
    else if (packet[at] === ATTR_MESSAGE_AUTHENTICATOR) hasMessageAuthenticator = true;
  }
  if (hasMessageAuthenticator) attrs.push(Buffer.from([ATTR_MESSAGE_AUTHENTICATOR, 18]), Buffer.alloc(16));
  const body = attrs.length === 0 ? undefined : Buffer.concat(attrs);
  const res = Buffer.alloc(HEADER + (body?.length ?? 0));
  res[0] = 5;
  res[1] = packet[1]!;
  res.writeUInt16BE(res.length, 2);
  if (body) body.copy(res, HEADER);
  if (hasMessageAuthenticator)
    createHmac('md5', secret)
      .update(res)
      .digest()
      .copy(res, res.length - 16);
  packet.copy(res, 4, 4, HEADER);
  createHash('md5').update(res).update(secret).digest().copy(res, 4);
  return res;
}

function single(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function text(v: unknown): string | undefined {
  const s = single(v);
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  return t === '' ? undefined : t;
}
