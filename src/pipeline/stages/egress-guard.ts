// Stage 5: the egress guard — the second lock. A separate code path from
// enrichment that re-checks the final request: nothing identifying the
// subscriber may leave that the client did not itself send or the policy
// granted to this destination in this flow.
//
//  - Headers the client sent, unchanged, pass (its own choice; a client that
//    puts its number in a query string or a form field is not blocked).
//  - A disclosure passes only if the policy — looked up again here from the
//    host the client asked for, not taken from the flow's partner — grants
//    that attribute, form and header to that partner, and its value carries
//    no identifier beyond what the form allows.
//  - Every other header (added or changed by the gateway) is removed when it
//    carries one of the subscriber's identifiers in any encoding, an
//    identifier-like value, or a known identity/tracking header name.
//  - A URL the gateway changed that now carries an identifier is refused.
// Then the flow is sealed: the upstream sends only sealed flows.
//
// Cost on ordinary traffic: one walk over the headers comparing against the
// client's own list, and a scan of the few the gateway added (Via).
import { CONTINUE, stop, type Stage } from '../stage.js';
import type { Flow, Disclosure } from '../flow.js';
import { sealGuarded } from '../guard-seal.js';
import type { GuardHit, GuardHitSink } from '../egress-hits.js';
import { subscriberMatcher, type SubscriberMatcher } from '../../detect/subscriber-match.js';
import { findIdentifierLike, type IdentifierLike } from '../../detect/identifier-like.js';
import { findClientAddress } from '../../detect/client-address.js';
import { catalogueEntryOfCanonical, canonicalHeaderName } from '../../detect/header-catalogue.js';
import { partnerActive, type CompiledPartner } from '../../policy/compile.js';
import { ErrorCodes } from '../../shared/errors.js';

export interface EgressGuardOptions {
  onHits: GuardHitSink;
}

export function egressGuard(opts: EgressGuardOptions): Stage {
  return {
    name: 'egress-guard',
    // If the check itself fails nobody knows what the request carries: refuse it.
    onError: 'refuse',
    onRequest(flow: Flow) {
      const hits = inspect(flow);
      if (hits !== undefined) {
        opts.onHits(hits, flow);
        if (hits.some((h) => h.action === 'refused')) return stop(500, ErrorCodes.EGRESS_REFUSED, 'the gateway refused to send a request it had changed to carry an identifier');
      }
      sealGuarded(flow);
      return CONTINUE;
    },
  };
}

/** Returns the hits (headers already removed), or undefined when the request is clean. */
function inspect(flow: Flow): GuardHit[] | undefined {
  let hits: GuardHit[] | undefined;
  const sub = flow.subscriber;
  const matcher = sub ? subscriberMatcher(sub) : undefined;
  const allowed = flow.disclosures.length ? checkDisclosures(flow, matcher) : undefined;

  const h = flow.headers;
  const c = flow.clientHeaders;
  // Which headers the gateway added or changed: the client's own pass as
  // sent, and the granted disclosures were checked above. Stages only remove
  // and append, so the client's headers appear in order: a greedy walk finds them.
  let added: number[] | undefined;
  let j = 0;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    const value = h[i + 1]!;
    let k = j;
    while (k < c.length && (c[k] !== name || c[k + 1] !== value)) k += 2;
    if (k < c.length) j = k + 2;
    else if (allowed === undefined || lastWith(allowed.granted, name, value) === undefined) (added ??= []).push(i);
  }
  if (added !== undefined) {
    // What of each value the subscriber scan reads: all of it, except the fixed text of a
    // signature field of exactly the sign stage's shape (signatureScanText; kept by position).
    // The subscriber's identifiers are looked for in all those texts at once, joined by LF: no
    // needle matches an LF, so no match spans two values, and the address needles' boundaries
    // read an LF as they read the end of a text. Only when that scan finds something is each
    // value scanned on its own (to say which header carries what).
    let shaped: (string | undefined)[] | undefined;
    let joined = '';
    for (let a = 0; a < added.length; a++) {
      const i = added[a]!;
      const t = signatureScanText(canonicalName(h[i]!), h[i + 1]!);
      if (t !== undefined) (shaped ??= [])[a] = t;
      joined = a === 0 ? (t ?? h[i + 1]!) : joined + '\n' + (t ?? h[i + 1]!);
    }
    const scan = matcher !== undefined && matcher.test(joined) ? matcher : undefined;
    // The client's address, in any spelling (detect/client-address.ts), the same way: one look at
    // all the texts, and each value looked at only when that finds it.
    const address = flow.clientAddress !== '' && findClientAddress(joined, flow.clientAddress) !== undefined ? flow.clientAddress : '';
    let removed: Set<number> | undefined;
    for (let a = 0; a < added.length; a++) {
      const i = added[a]!;
      const name = h[i]!;
      const value = h[i + 1]!;
      let hit = inspectAdded(canonicalName(name), value, shaped?.[a], scan, address, allowed?.partner);
      const revoked = hit === undefined && allowed !== undefined ? lastWith(allowed.revoked, name, value) : undefined;
      if (revoked !== undefined) hit = revokedHit(name, revoked);
      if (hit) {
        (hits ??= []).push(hit);
        (removed ??= new Set()).add(i);
      }
    }
    if (removed) flow.headers = h.filter((_, i) => !removed.has(i - (i & 1)));
  }

  const t = flow.target;
  if (t.path !== flow.requestedPath || t.host !== flow.requestedHost) {
    const url = t.host + t.path;
    const u = inspectValue(url, matcher, flow.clientAddress);
    if (u) (hits ??= []).push({ header: ':url', attribute: u.attribute, encoding: u.encoding, reason: u.reason, action: 'refused', partner: undefined });
  }
  return hits;
}

/**
 * The last disclosure in the list sent as this header and value. The lists
 * hold a flow's few disclosures: a scan compares the strings directly, where
 * a Set keyed by "header\nvalue" would build and hash a long key per header.
 */
function lastWith(list: readonly Disclosure[], header: string, value: string): Disclosure | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const d = list[i]!;
    if (d.header === header && d.value === value) return d;
  }
  return undefined;
}

interface Allowed {
  /** The partner the policy names for the requested host (undefined: none, or the destination is unverified). */
  partner: CompiledPartner | undefined;
  /** Disclosures the policy grants here: their header and value pass. */
  granted: Disclosure[];
  /** Disclosures the policy does not grant (removed, reported as ungranted). */
  revoked: Disclosure[];
}

/** Re-derives what the policy grants this destination and keeps only matching disclosures. */
function checkDisclosures(flow: Flow, matcher: SubscriberMatcher | undefined): Allowed {
  const partner = flow.destinationVerified ? flow.policy.hosts.lookup(flow.requestedHost, flow.requestedPort) : undefined;
  const active = partner !== undefined && partnerActive(partner);
  const granted: Disclosure[] = [];
  const revoked: Disclosure[] = [];
  for (const d of flow.disclosures) {
    const ok =
      active && partner.id === d.partnerId && partner.grants.some((g) => g.attribute === d.attribute && g.form === d.form && g.header === d.header) && valueFitsForm(d, matcher);
    (ok ? granted : revoked).push(d);
  }
  if (revoked.length) flow.disclosures = granted;
  return { partner, granted, revoked };
}

/** A raw grant may carry its own attribute only; every other form must carry no identifier at all. */
function valueFitsForm(d: Disclosure, matcher: SubscriberMatcher | undefined): boolean {
  if (!matcher) return d.form !== 'raw';
  // A raw value is the subscriber's own identifier, the same text on every request: its answer is remembered.
  const found = d.form === 'raw' ? matcher.recurringAttributes(d.value) : matcher.attributes(d.value);
  if (d.form === 'raw') return found.every((a) => a === d.attribute);
  return found.length === 0;
}

function revokedHit(name: string, d: Disclosure): GuardHit {
  return { header: canonicalHeaderName(name), attribute: d.attribute, encoding: undefined, reason: 'ungranted-disclosure', action: 'stripped', partner: d.partnerId };
}

/**
 * The canonical form of a header name the gateway added (a handful of names,
 * the same on every request): remembered, so the per-request check neither
 * lower-cases nor hashes a new string. Bounded: past the limit, computed each time.
 */
const canonicalNames = new Map<string, string>();
function canonicalName(name: string): string {
  let c = canonicalNames.get(name);
  if (c === undefined) {
    c = canonicalHeaderName(name);
    if (canonicalNames.size < 256) canonicalNames.set(name, c);
  }
  return c;
}

/**
 * The shape of the Signature-Input field the sign stage adds: component names,
 * integers, a 16-byte nonce, a key id, a fixed alg and tag.
 */
const SIGNATURE_INPUT_SHAPE =
  /^hedge=\("@method" "@authority" "@path"(?: "@query")? "hedge-partner"(?: "[a-z0-9!#$%&'*+.^_`|~-]+")*\);created=\d{1,12};expires=\d{1,12};nonce="[A-Za-z0-9_-]{22}";keyid="[A-Za-z0-9_-]{1,64}";alg="(?:ed25519|hmac-sha256)";tag="hedge"$/;

/**
 * For a Signature or Signature-Input value of exactly the shape the sign stage
 * makes, the part that can carry anything but fixed text: the subscriber scan
 * reads only that part, and the heuristic identifier-like scan (the costly
 * part) is skipped, as such a value has no room for free text. For
 * Signature-Input that is everything from the first enriched header name to
 * the end of the keyid (names, created, expires, nonce, keyid); for Signature,
 * the base64. Any other value: undefined (scanned whole, heuristics included).
 */
function signatureScanText(canonical: string, value: string): string | undefined {
  if (canonical === 'signature') return isSignatureValue(value) ? value.slice(7, value.length - 1) : undefined;
  if (canonical !== 'signature-input' || !SIGNATURE_INPUT_SHAPE.test(value)) return undefined;
  // The shape fixes both ends: "hedge-partner" is the last fixed component, and a keyid holds no quote.
  return value.slice(value.indexOf('"hedge-partner"') + 15, value.lastIndexOf('";alg="'));
}

/** 1 for the characters of standard base64 (RFC 4648 §4, without the pad). */
const BASE64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64[c.charCodeAt(0)] = 1;

/**
 * `hedge=:<base64>:` holding 32 bytes (HMAC-SHA256: 43 characters and "=") or
 * 64 (Ed25519: 86 and "=="), as the sign stage writes it. A loop over a table,
 * not a regular expression: it runs on every signed request.
 */
function isSignatureValue(v: string): boolean {
  const n = v.length;
  const pad = n === 52 ? 1 : n === 96 ? 2 : 0;
  if (pad === 0 || !v.startsWith('hedge=:') || v.charCodeAt(n - 1) !== 58) return false;
  const end = n - 1 - pad;
  for (let i = 7; i < end; i++) {
    const c = v.charCodeAt(i);
    if (c > 127 || BASE64[c] === 0) return false;
  }
  for (let i = end; i < n - 1; i++) if (v.charCodeAt(i) !== 61) return false;
  return true;
}

/**
 * One added header: `canonical` is its name's canonical form, `shaped` the
 * free part of a signature field of the sign stage's shape (signatureScanText;
 * undefined for any other value), `matcher` set only when the joined scan
 * found something, `clientAddress` "" unless it found the client's address.
 */
function inspectAdded(
  canonical: string,
  value: string,
  shaped: string | undefined,
  matcher: SubscriberMatcher | undefined,
  clientAddress: string,
  partner?: CompiledPartner,
): GuardHit | undefined {
  const entry = catalogueEntryOfCanonical(canonical);
  if (entry) return { header: canonical, attribute: entry.carries, encoding: undefined, reason: 'identity-header', action: 'stripped', partner: undefined };
  if (shaped !== undefined) {
    if (!matcher?.test(shaped)) {
      const at = clientAddress === '' ? undefined : findClientAddress(shaped, clientAddress);
      return at === undefined ? undefined : { header: canonical, attribute: 'client-ip', encoding: at, reason: 'identifier', action: 'stripped', partner: undefined };
    }
    const m = matcher.find(shaped)[0];
    return { header: canonical, attribute: m?.attribute ?? 'msisdn', encoding: m?.encoding, reason: 'identifier', action: 'stripped', partner: undefined };
  }
  const v = inspectValue(value, matcher, clientAddress, partner);
  return v ? { header: canonical, attribute: v.attribute, encoding: v.encoding, reason: v.reason, action: 'stripped', partner: undefined } : undefined;
}

function inspectValue(
  value: string,
  matcher: SubscriberMatcher | undefined,
  clientAddress: string,
  partner?: CompiledPartner,
): { attribute: string; encoding: string | undefined; reason: 'identifier' | 'identifier-like' } | undefined {
  if (matcher && matcher.test(value)) {
    const m = matcher.find(value)[0];
    return { attribute: m?.attribute ?? 'msisdn', encoding: m?.encoding, reason: 'identifier' };
  }
  // Any spelling of the client's address, and for an IPv6 client anything in its /64 (detect/client-address.ts).
  const at = clientAddress === '' ? undefined : findClientAddress(value, clientAddress);
  if (at !== undefined) return { attribute: 'client-ip', encoding: at, reason: 'identifier' };
  // The Hedge-Partner value is the partner's id: the same text every request, so its heuristic answer is kept.
  const like = partner !== undefined && value === partner.id ? partnerIdLike(partner) : findIdentifierLike(value)[0];
  if (like) return { attribute: like.kind, encoding: like.encoding, reason: 'identifier-like' };
  return undefined;
}

const idLike = new WeakMap<CompiledPartner, IdentifierLike | null>();

/** findIdentifierLike over a partner's id, computed once per compiled partner (a pure function of the id). */
function partnerIdLike(partner: CompiledPartner): IdentifierLike | undefined {
  let r = idLike.get(partner);
  if (r === undefined) {
    r = findIdentifierLike(partner.id)[0] ?? null;
    idLike.set(partner, r);
  }
  return r ?? undefined;
}
