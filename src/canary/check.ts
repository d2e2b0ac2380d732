// Judging what arrived at the canary origin. At a non-partner host nothing
// identifying may arrive; at a partner host only the granted headers may, each
// carrying no more than its form allows. Findings name hosts, headers and
// attributes — never values.
import type { Received } from './origin.js';
import type { Probe } from './probes.js';
import type { SubscriberMatcher } from '../detect/subscriber-match.js';
import { findIdentifierLike } from '../detect/identifier-like.js';
import { catalogueEntry, canonicalHeaderName } from '../detect/header-catalogue.js';

export type FindingKind =
  | 'identifier' //          one of the canary subscriber's identifiers arrived where it was not granted
  | 'identifier-like' //     an identifier-like value arrived where nothing was granted
  | 'identity-header' //     a known identity/tracking header arrived where it was not granted
  | 'over-revealing' //      a granted header carried more than its form allows
  | 'guard-stripped' //      the egress guard had to remove something on the way (a bug upstream of it)
  | 'request-failed' //      the canary request did not come back from the canary origin
  | 'missing-grant'; //      a granted header did not arrive (a note: enrichment may be off on purpose)

export interface Finding {
  host: string;
  partner: string | undefined;
  kind: FindingKind;
  header: string | undefined;
  attribute: string | undefined;
  encoding: string | undefined;
  severity: 'failure' | 'note';
  detail?: string | undefined;
}

export interface CheckContext {
  matcher: SubscriberMatcher;
  sent: ReadonlyMap<string, string>;
  /** Canonical names of the signature headers the gateway adds at partners (v1 and RFC 9421). */
  signatureHeaders: ReadonlySet<string>;
}

/** The probe's request did not come back as sent (an error or another status): the canary cannot vouch for this host. */
export function requestFailed(probe: Probe, detail: string): Finding {
  return {
    host: probe.host,
    partner: probe.partner?.id,
    kind: 'request-failed',
    header: undefined,
    attribute: undefined,
    encoding: undefined,
    severity: 'failure',
    detail,
  };
}

/** Headers the transport itself adds on the way to the origin. */
const TRANSPORT = new Set(['host', 'via', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export function checkReceived(probe: Probe, r: Received, ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const partnerId = probe.partner?.id;
  const finding = (kind: FindingKind, header: string | undefined, attribute?: string, encoding?: string, severity: Finding['severity'] = 'failure', detail?: string) =>
    out.push({ host: probe.host, partner: partnerId, kind, header, attribute, encoding, severity, detail });
  const grants = new Map((probe.partner?.grants ?? []).map((g) => [canonicalHeaderName(g.header), g]));
  const seen = new Set<string>();
  const h = r.rawHeaders;
  for (let i = 0; i < h.length; i += 2) {
    const name = canonicalHeaderName(h[i]!);
    const value = h[i + 1]!;
    if (ctx.sent.get(name) === value) continue;
    if (TRANSPORT.has(name) && !ctx.matcher.test(value)) continue;
    const g = grants.get(name);
    if (g) {
      seen.add(name);
      const found = ctx.matcher.find(value);
      const allowedAttr = g.form === 'raw' ? g.attribute : undefined;
      const extra = found.filter((m) => m.attribute !== allowedAttr && !(allowedAttr === 'client-ip' && m.attribute === 'client-ip'));
      if (extra.length) finding('over-revealing', name, extra[0]!.attribute, extra[0]!.encoding, 'failure', `${g.form} grant of ${g.attribute}`);
      continue;
    }
    if (probe.partner && ctx.signatureHeaders.has(name) && !ctx.matcher.test(value)) continue;
    if (catalogueEntry(name)) {
      finding('identity-header', name, catalogueEntry(name)!.carries);
      continue;
    }
    const found = ctx.matcher.find(value);
    if (found.length) {
      finding('identifier', name, found[0]!.attribute, found[0]!.encoding);
      continue;
    }
    const like = findIdentifierLike(value)[0];
    if (like) finding('identifier-like', name, like.kind, like.encoding);
  }
  const inPath = ctx.matcher.find(r.path);
  if (inPath.length) finding('identifier', ':path', inPath[0]!.attribute, inPath[0]!.encoding);
  for (const [name, g] of grants) if (!seen.has(name)) finding('missing-grant', name, g.attribute, undefined, 'note');
  return out;
}
