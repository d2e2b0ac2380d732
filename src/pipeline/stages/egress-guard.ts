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
import { catalogueEntry, canonicalHeaderName } from '../../detect/header-catalogue.js';
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
    // The subscriber's identifiers are looked for in all added values at once, joined by LF: no
    // needle matches an LF, so no match spans two values, and the address needles' boundaries
    // read an LF as they read the end of a text. Only when that scan finds something is each
    // value scanned on its own (to say which header carries what).
    const scan = matcher !== undefined && matcher.test(joinValues(h, added)) ? matcher : undefined;
    let removed: Set<number> | undefined;
    for (const i of added) {
      const name = h[i]!;
      const value = h[i + 1]!;
      let hit = inspectAdded(name, value, scan, flow.clientAddress, allowed?.partner);
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

/** The values at the given name positions of a flat header list, joined by LF. */
function joinValues(h: readonly string[], at: readonly number[]): string {
  let s = h[at[0]! + 1]!;
  for (let a = 1; a < at.length; a++) s += '\n' + h[at[a]! + 1]!;
  return s;
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
 * The shape of the RFC 9421 fields the sign stage adds: component names,
 * integers, a 16-byte nonce, a key id, a fixed alg and tag; a base64 signature.
 * A value of exactly this shape has no room for free text, so the heuristic
 * identifier-like scan (the costly part) is skipped for it; the subscriber's
 * own identifiers are still looked for in every encoding.
 */
const SIGNATURE_SHAPES = new Map<string, RegExp>([
  [
    'signature-input',
    /^hedge=\("@method" "@authority" "@path"(?: "@query")? "hedge-partner"(?: "[a-z0-9!#$%&'*+.^_`|~-]+")*\);created=\d{1,12};expires=\d{1,12};nonce="[A-Za-z0-9_-]{22}";keyid="[A-Za-z0-9_-]{1,64}";alg="(?:ed25519|hmac-sha256)";tag="hedge"$/,
  ],
  // 43 then 43 more characters and "==" (Ed25519, 64 bytes), or 43 and "=" (HMAC-SHA256, 32 bytes): the shared
  // first 43 are matched once, not once per alternative.
  ['signature', /^hedge=:[A-Za-z0-9+/]{43}(?:[A-Za-z0-9+/]{43}==|=):$/],
]);

function inspectAdded(name: string, value: string, matcher: SubscriberMatcher | undefined, clientAddress: string, partner?: CompiledPartner): GuardHit | undefined {
  const canonical = canonicalHeaderName(name);
  const entry = catalogueEntry(canonical);
  if (entry) return { header: canonical, attribute: entry.carries, encoding: undefined, reason: 'identity-header', action: 'stripped', partner: undefined };
  const shape = SIGNATURE_SHAPES.get(canonical);
  if (shape !== undefined && shape.test(value)) {
    if (!matcher?.test(value)) return undefined;
    const m = matcher.find(value)[0];
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
  if (clientAddress && value.includes(clientAddress) && addressBounded(value, clientAddress)) return { attribute: 'client-ip', encoding: 'plain', reason: 'identifier' };
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

/** The address appears as a whole address, not as part of a longer one. */
function addressBounded(value: string, addr: string): boolean {
  for (let at = value.indexOf(addr); at !== -1; at = value.indexOf(addr, at + 1)) {
    const before = at === 0 ? '' : value[at - 1]!;
    const after = value[at + addr.length] ?? '';
    if (!/[0-9a-fA-F.:]/.test(before) && !/[0-9a-fA-F.:]/.test(after)) return true;
  }
  return false;
}
