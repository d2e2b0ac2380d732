// The change in exposure between two compiled policies: for each host pattern
// and attribute, what becomes disclosed, stops being disclosed, or is
// disclosed in a more or less revealing form. Pure: no I/O, no clock except
// the `now` it is given (a partner past its `until:` discloses nothing).
// `hedge policy diff` prints it and exits 1 when exposure widens; a reload
// logs it.
import type { CompiledPolicy, CompiledPartner } from './compile.js';
import { partnerActive } from './compile.js';
import type { Attribute, Form } from './forms.js';
import type { HostPattern } from '../shared/host-pattern.js';
import { ID_TOKEN_DISCLOSURE, ID_TOKEN_SUB, SCOPE_DISCLOSURES } from '../config/front-door-scopes.js';

/** How much a form reveals: claim = match < pseudonym = token < sealed < raw. */
export const FORM_RANK: Readonly<Record<Form, number>> = { claim: 0, match: 0, pseudonym: 1, token: 1, sealed: 2, raw: 3 };

export type ExposureChangeKind =
  | 'newly-disclosed'
  | 'no-longer-disclosed'
  | 'more-revealing'
  | 'less-revealing'
  | 'form-changed' // same rank (pseudonym ↔ token)
  | 'now-cleartext' // the attribute used to reach this pattern only over TLS
  | 'now-tls';

export const WIDENING_KINDS: ReadonlySet<ExposureChangeKind> = new Set(['newly-disclosed', 'more-revealing', 'now-cleartext']);

export interface Exposure {
  partner: string;
  form: Form;
  header: string;
  /** Whether this attribute may reach the pattern over plain HTTP (partner without `tls: required`). */
  cleartext: boolean;
  /** The partner has `tls: required`: what it receives always travels over TLS. */
  tls: boolean;
}

export interface ExposureChange {
  /** The host pattern as written (canonical: lower case, ":port" when set). */
  host: string;
  attribute: Attribute;
  kind: ExposureChangeKind;
  widens: boolean;
  before: Exposure | undefined;
  after: Exposure | undefined;
}

export interface PolicyDiff {
  from: string;
  to: string;
  changes: ExposureChange[];
  summary: { widened: number; narrowed: number; changed: number; widens: boolean; text: string };
}

type ExposureMap = Map<string, Map<Attribute, Exposure>>;

export function diffPolicies(before: CompiledPolicy, after: CompiledPolicy, now = Date.now()): PolicyDiff {
  const a = exposureOf(before, now);
  const b = exposureOf(after, now);
  const changes: ExposureChange[] = [];
  const hosts = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const host of hosts) {
    const ea = a.get(host) ?? new Map<Attribute, Exposure>();
    const eb = b.get(host) ?? new Map<Attribute, Exposure>();
    const attrs = [...new Set([...ea.keys(), ...eb.keys()])].sort();
    for (const attribute of attrs) {
      const x = ea.get(attribute);
      const y = eb.get(attribute);
      const kind = classify(x, y);
      if (kind) changes.push({ host, attribute, kind, widens: WIDENING_KINDS.has(kind), before: x, after: y });
    }
  }
  const widened = changes.filter((c) => c.widens).length;
  const narrowed = changes.filter((c) => c.kind === 'no-longer-disclosed' || c.kind === 'less-revealing' || c.kind === 'now-tls').length;
  const changed = changes.length - widened - narrowed;
  const text = changes.length === 0 ? 'no change in exposure' : `${widened} widening, ${narrowed} narrowing, ${changed} other change(s)${widened > 0 ? ' — exposure WIDENS' : ''}`;
  return { from: before.version, to: after.version, changes, summary: { widened, narrowed, changed, widens: widened > 0, text } };
}

function classify(x: Exposure | undefined, y: Exposure | undefined): ExposureChangeKind | undefined {
  if (!x && !y) return undefined;
  if (!x) return 'newly-disclosed';
  if (!y) return 'no-longer-disclosed';
  const rx = FORM_RANK[x.form];
  const ry = FORM_RANK[y.form];
  if (ry > rx) return 'more-revealing';
  if (ry < rx) return 'less-revealing';
  if (x.form !== y.form) return 'form-changed';
  if (!x.cleartext && y.cleartext) return 'now-cleartext';
  if (x.cleartext && !y.cleartext) return 'now-tls';
  return undefined;
}

/** What a front-door client's scope is keyed by in the diff, in place of a host pattern: each scope shows up as its own line. */
export const frontDoorKey = (clientId: string, scope: string) => `front-door client ${clientId} ${scope}`;

/** host pattern (or front-door client) → attribute → the most revealing active grant (or scope) of it. */
function exposureOf(policy: CompiledPolicy, now: number): ExposureMap {
  const out: ExposureMap = new Map();
  const keep = (m: Map<Attribute, Exposure>, attribute: Attribute, e: Exposure) => {
    const prev = m.get(attribute);
    if (!prev || FORM_RANK[e.form] > FORM_RANK[prev.form] || (FORM_RANK[e.form] === FORM_RANK[prev.form] && e.cleartext && !prev.cleartext)) m.set(attribute, e);
  };
  for (const p of policy.partners) {
    if (!partnerActive(p, now)) continue;
    // A front-door client: scopes are judged exactly like header grants (the answer travels over the front door's TLS).
    if (p.frontDoor) {
      const scopes = [[ID_TOKEN_SUB, ID_TOKEN_DISCLOSURE] as const, ...[...p.frontDoor.scopes].map((s) => [s, SCOPE_DISCLOSURES[s]] as const)];
      for (const [scope, d] of scopes) {
        const m = new Map<Attribute, Exposure>();
        out.set(frontDoorKey(p.frontDoor.clientId, scope), m);
        keep(m, d.attribute, { partner: p.id, form: d.form, header: scope, cleartext: false, tls: true });
      }
    }
    for (const hp of p.hosts) {
      const key = canonicalPattern(hp);
      let m = out.get(key);
      if (!m) out.set(key, (m = new Map()));
      for (const g of p.grants) {
        const e: Exposure = { partner: p.id, form: g.form, header: g.header, cleartext: g.form !== 'claim' && cleartext(p), tls: !cleartext(p) };
        const prev = m.get(g.attribute);
        if (!prev || FORM_RANK[e.form] > FORM_RANK[prev.form] || (FORM_RANK[e.form] === FORM_RANK[prev.form] && e.cleartext && !prev.cleartext)) m.set(g.attribute, e);
      }
    }
  }
  return out;
}

/** "*", "*.domain", "host", each with ":port" when the pattern has one. */
export function canonicalPattern(hp: HostPattern): string {
  const base = hp.kind === 'any' ? '*' : hp.kind === 'wildcard' ? `*.${hp.host}` : hp.host;
  return hp.port !== undefined ? `${base}:${hp.port}` : base;
}

function cleartext(p: CompiledPartner): boolean {
  return p.tls !== 'required';
}

/** Human-readable lines for `hedge policy diff` and reload logs. */
export function formatDiff(d: PolicyDiff): string[] {
  const lines: string[] = [];
  // "(tls)" only for a partner with `tls: required`: a claim to a plain-HTTP partner is not "over TLS".
  const show = (e: Exposure | undefined) => (e ? `${e.form}${e.tls ? ' (tls)' : ''} to ${e.partner} in ${e.header}` : 'nothing');
  for (const c of d.changes) {
    const mark = c.widens ? '+' : c.kind === 'form-changed' ? '~' : '-';
    lines.push(`${mark} ${c.host}  ${c.attribute}: ${c.kind} (${show(c.before)} → ${show(c.after)})`);
  }
  lines.push(`policy ${d.from} → ${d.to}: ${d.summary.text}`);
  return lines;
}
