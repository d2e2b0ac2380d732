// What one header or one URL tells its receiver about the person behind it.
// Shared by the leak checker (one live request) and the scanner (captured
// traffic). Recognition itself lives in detect/ (classifyHeader: catalogue +
// identifier-like values); this module decides what a finding means where it
// was found: device-detail headers and internal addresses the catalogue does
// not cover, token guesses that the header's name shows to be session or
// request ids (transient-ids.ts), URL parts, and a known subscriber's
// identifiers in any encoding.
import { BlockList, isIP } from 'node:net';
import { canonicalHeaderName, type CatalogueEntry, type Carries } from '../detect/header-catalogue.js';
import { classifyHeader } from '../detect/classify-header.js';
import type { LikeKind } from '../detect/identifier-like.js';
import { deviceHeader } from './device-headers.js';
import { transientId } from './transient-ids.js';
import type { Confidence, LeakKind } from './verdict.js';
import { recogniseLike, type Recognised, type SubscriberFinder } from './recognise.js';

export type { Confidence };
export type What = Carries | 'device';

export interface Finding {
  where: 'header' | 'url';
  /** The header name as sent, or the URL part ("query msisdn", "path"). */
  name: string;
  kind: LeakKind;
  what: What;
  confidence: Confidence;
  /** The identifying text inside the value; "" means the whole value. */
  match: string;
  /** Plain words: why this is a finding. */
  reason: string;
  /** How the identifier was written, when recognised by value ("e164", "digits", "base64", ...). */
  encoding?: string;
  catalogue?: CatalogueEntry;
}

export interface InspectOptions {
  /** A known subscriber's identifiers (scanner --subscriber). */
  subscriber?: SubscriberFinder;
  /** ISO country whose national-format numbers ("07700 900123") count as phone numbers. */
  country?: string;
}

const KIND_OF: Record<Carries, LeakKind> = {
  msisdn: 'identity',
  imsi: 'identity',
  imei: 'identity',
  token: 'tracking',
  ip: 'device',
  location: 'device',
  gateway: 'device',
  plan: 'device',
};

/** Plain words for what a catalogue header carries. */
export const CARRIES_TEXT: Record<What, string> = {
  msisdn: 'your phone number (MSISDN)',
  imsi: "your SIM card's subscriber identity (IMSI)",
  imei: "your phone's hardware serial number (IMEI)",
  token: 'a tracking identifier tied to your subscription',
  ip: "your phone's address inside the operator's network",
  location: "where your phone is on the operator's network",
  gateway: 'which operator gateway handled your request',
  plan: 'details of your subscription or plan',
  device: 'details of your phone',
};

/** The same, neutral: for findings a scanner reports about someone else's traffic. */
const WHAT_TEXT: Record<What, string> = {
  msisdn: 'a phone number (MSISDN)',
  imsi: 'a SIM subscriber identity (IMSI)',
  imei: 'a phone serial number (IMEI)',
  token: 'a tracking identifier tied to a subscription',
  ip: "a phone's address inside the operator's network",
  location: "a phone's location on the operator's network",
  gateway: 'which operator gateway handled the request',
  plan: 'subscription or plan details',
  device: 'device details',
};

const RECOGNISED_TEXT: Record<Recognised['what'], string> = {
  msisdn: 'looks like a phone number',
  imsi: 'looks like a SIM subscriber identity (IMSI)',
  imei: 'looks like a phone serial number (IMEI)',
  token: 'looks like an opaque tracking token',
};

/** Headers proxies use to record addresses: an operator's internal (private or CGNAT) address for the phone is a network detail. */
const ADDRESS_HEADERS = new Set(['x-forwarded-for', 'x-real-ip', 'forwarded', 'client-ip', 'x-client-ip', 'true-client-ip', 'x-cluster-client-ip']);

const INTERNAL = new BlockList();
INTERNAL.addSubnet('10.0.0.0', 8, 'ipv4');
INTERNAL.addSubnet('172.16.0.0', 12, 'ipv4');
INTERNAL.addSubnet('192.168.0.0', 16, 'ipv4');
INTERNAL.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT: where phones on mobile data live
INTERNAL.addSubnet('fc00::', 7, 'ipv6');

/** An IPv4 address and its port, as Forwarded allows (RFC 7239 §6) and some proxies write X-Forwarded-For. */
const V4_AND_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;

function internalAddresses(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/[0-9a-fA-F:.]{7,45}/g)) {
    let a = m[0].replace(/^\[|\]$/g, '');
    let f = isIP(a);
    // "10.1.2.3:51234" is one word here; its address is what the port follows (a bracketed IPv6 one is read apart).
    const withPort = f === 0 ? V4_AND_PORT.exec(a) : null;
    if (withPort && Number(a.slice(withPort[1]!.length + 1)) <= 65535) f = isIP((a = withPort[1]!));
    if (f !== 0 && INTERNAL.check(a, f === 6 ? 'ipv6' : 'ipv4')) out.push(a);
  }
  return out;
}

export function inspectHeader(name: string, value: string, opts: InspectOptions = {}): Finding[] {
  const canonical = canonicalHeaderName(name);
  const out: Finding[] = [];
  // Name and value, knowing nobody: detect/'s classification, the one the corpus measures.
  const c = classifyHeader(name, value, { country: opts.country });
  const dev = c.catalogue ? undefined : deviceHeader(canonical);
  // A token guess (low confidence, not catalogued) yields to what the name says: a device header, a session or request id.
  const guess = !c.catalogue && c.kind === 'tracking' && c.confidence === 'low';
  if (c.kind !== 'none' && !(guess && (dev || transientId(canonical, value)))) {
    const ids = c.identifiers;
    const best = ids.find((i) => i.kind !== 'token') ?? ids[0];
    const what: What = best && best.kind !== 'token' ? likeWhat(best.kind) : (c.catalogue?.carries ?? 'token');
    const kind: LeakKind = c.kind === 'network' ? 'device' : c.kind;
    out.push({
      where: 'header',
      name,
      kind,
      what,
      confidence: c.catalogue ? (value.trim() === '' ? 'low' : 'high') : (c.confidence ?? 'low'),
      match: best && best.encoding !== 'percent' ? value.slice(best.start, best.end) : '',
      encoding: best?.encoding,
      reason: c.catalogue
        ? `a known ${KIND_WORD[KIND_OF[c.catalogue.carries]]} header: it carries ${WHAT_TEXT[c.catalogue.carries]}`
        : `the value ${RECOGNISED_TEXT[what as Recognised['what']] ?? 'looks like an identifier'}`,
      catalogue: c.catalogue,
    });
  }
  // Device and network details the catalogue does not cover.
  if (dev) out.push({ where: 'header', name, kind: 'device', what: 'device', confidence: 'high', match: '', reason: `it carries ${dev.what}` });
  if (ADDRESS_HEADERS.has(canonical) && c.kind === 'none') {
    const internal = internalAddresses(value);
    if (internal.length > 0) out.push({ where: 'header', name, kind: 'device', what: 'ip', confidence: 'medium', match: internal[0]!, reason: `it carries ${WHAT_TEXT.ip}` });
  }
  // A known subscriber, in any encoding, wherever it hides.
  if (opts.subscriber && !out.some((f) => f.kind === 'identity')) {
    const hit = opts.subscriber(value)[0];
    if (hit) out.push(subscriberFinding('header', name, hit));
  }
  return out;
}

const KIND_WORD: Record<LeakKind, string> = { identity: 'identity', tracking: 'tracking', device: 'network' };

function likeWhat(k: LikeKind): What {
  return k === 'imeisv' ? 'imei' : k;
}

/** Findings in a request URL: the query string (names and values decoded) and the path. */
export function inspectUrl(url: string, opts: InspectOptions = {}): Finding[] {
  let u: URL;
  try {
    u = new URL(url, 'http://unknown.invalid');
  } catch {
    return [];
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding) => {
    const k = `${f.name}\0${f.match}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(f);
  };
  for (const [key, val] of u.searchParams) {
    const part = `query ${key}`;
    if (opts.subscriber) for (const r of opts.subscriber(val)) add(subscriberFinding('url', part, r));
    for (const r of recogniseLike(val, { country: opts.country })) {
      if (r.what === 'token') continue; // query strings are full of opaque ids; only identifiers count
      const named = IDENTITY_PARAM.test(key);
      add({ ...valueFinding('url', part, r), confidence: named ? 'high' : r.confidence });
    }
  }
  const path = safeDecode(u.pathname);
  if (opts.subscriber) for (const r of opts.subscriber(u.pathname)) add(subscriberFinding('url', 'path', r));
  for (const seg of path.split('/')) {
    for (const r of recogniseLike(seg, { country: opts.country })) if (r.what !== 'token') add({ ...valueFinding('url', 'path', r), confidence: 'low' });
  }
  return out;
}

/** Query parameter names that announce an identifier. */
const IDENTITY_PARAM = /^(?:x[-_])?(?:msisdn|mdn|phone|phone[-_]?number|mobile|tel|imsi|imei|cli|calling[-_]?line[-_]?id)$/i;

function subscriberFinding(where: Finding['where'], name: string, r: Recognised): Finding {
  return {
    where,
    name,
    kind: 'identity',
    what: r.what === 'token' ? 'msisdn' : r.what,
    confidence: 'high',
    match: r.match,
    encoding: r.encoding,
    reason: `the subscriber's ${r.what.toUpperCase()}${r.encoding ? ` (${r.encoding})` : ''}`,
  };
}

function valueFinding(where: Finding['where'], name: string, r: Recognised): Finding {
  return {
    where,
    name,
    kind: r.what === 'token' ? 'tracking' : 'identity',
    what: r.what,
    confidence: r.confidence,
    match: r.match,
    encoding: r.encoding,
    reason: `the value ${RECOGNISED_TEXT[r.what]}`,
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
