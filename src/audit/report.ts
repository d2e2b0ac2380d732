// The breach report: for a time window (and optional filters), whose identity
// went to which sites, how often, first and last time. Subscribers are
// grouped by their keyed reference and their numbers decrypted with the audit
// key — only here, in the report. `outsidePolicy` keeps only what a given
// (known-good) policy would not have sent: "who was exposed by the bad change".
import { ID_TOKEN_SUB, isFrontDoorDisclosureName, type FrontDoorScope } from '../config/front-door-scopes.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { hostPatternMatches, parseHostPattern, type HostPattern } from '../shared/host-pattern.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { AuditKey } from './keys.js';
import type { AuditRecord, Checkpoint, DisclosureDetail } from './record.js';
import type { AuditStore, ScanCursor } from './store.js';
import { buildIncident, type Incident, type IncidentOptions } from './incident.js';
import { lastCheckpointBefore, RESUME_TYPE, unsignedBeforeRestart, unsignedNotice, type UnsignedBeforeRestart } from './restart.js';

export interface ReportOptions {
  /** Window start; undefined: the first disclosure in the store (the report shows that real start). */
  from?: number | undefined;
  to: number;
  partner?: string | undefined;
  /** Host pattern (as in partner hosts: name, *.domain, optional :port). */
  host?: string | undefined;
  /** Keep only disclosures this policy would not have made. */
  outsidePolicy?: { policy: CompiledPolicy; file: string } | undefined;
  /** Needed to name subscribers; a redacted report never opens a number and needs none. */
  key?: AuditKey | undefined;
  /** No numbers: subscribers are named by their keyed reference only (for wider circulation). */
  redacted?: boolean | undefined;
  /** Adds the incident section (start, cause, detection, stop, deadlines, chain verification). */
  incident?: Omit<IncidentOptions, 'window' | 'now'> | undefined;
  now?: number;
  /** Partner ids of the current config: a --partner that is neither there nor in the store is an error, not "0 disclosures". */
  knownPartners?: readonly string[] | undefined;
  /** What the audit witness showed (`--witness`, witness-check.ts): carried into the report as `witness`. */
  witness?: ReportWitness | undefined;
}

/** The audit witness as the report states it: a chain cut back (`truncated`) or a line not trusted (`witness`), or neither. */
export interface ReportWitness {
  file: string;
  lines: number;
  signed: number;
  /** The first problem the witness showed, or null: every witnessed checkpoint is in the store. */
  problem: { kind: 'truncated' | 'witness'; node: string; seq: number; message: string } | null;
}

export interface SubscriberRow {
  /** null in a redacted report. */
  msisdn: string | null;
  reference: string;
  disclosures: number;
  sites: string[];
  firstAt: string;
  lastAt: string;
}

export interface SiteRow {
  host: string;
  partner: string;
  disclosures: number;
  subscribers: number;
  attributes: string[];
  firstAt: string;
  lastAt: string;
}

export interface ExposureRow {
  /** null in a redacted report. */
  msisdn: string | null;
  reference: string;
  partner: string;
  host: string;
  attributes: string[];
  disclosures: number;
  firstAt: string;
  lastAt: string;
}

export interface BreachReport {
  title: string;
  generatedAt: string;
  window: { from: string; to: string };
  filters: { partner: string | null; host: string | null; outsidePolicy: string | null };
  /** True when numbers were left out (keyed references and counts only). */
  redacted: boolean;
  totals: { disclosures: number; subscribers: number; sites: number; partners: number };
  firstAt: string | null;
  lastAt: string | null;
  subscribers: SubscriberRow[];
  sites: SiteRow[];
  exposures: ExposureRow[];
  timeline: { bucketSeconds: number; buckets: { start: string; disclosures: number }[] };
  /** When asked for: start, cause, detection, stop, deadlines, and whether the chain verified. */
  incident: Incident | null;
  /**
   * Chains whose records before a time after the window's start were removed by
   * retention (their purge anchor's `before`): for those, the report covers
   * only from that time on, and the counts above are partial. Empty: complete.
   */
  purged: { node: string; removedBefore: string }[];
  /**
   * Records that may fall in the window and that no signature covered when
   * their gateway stopped uncleanly: its restart took them as found (restart.ts).
   * Disclosures among them may have been altered or removed in between. Empty: none.
   */
  unsignedBeforeRestart: UnsignedBeforeRestart[];
  /**
   * Only with `--witness`: the checkpoints kept outside the store checked
   * against it. A `truncated` problem means records were deleted from the end
   * of a chain: disclosures in the window may be missing from this report.
   */
  witness?: ReportWitness;
}

interface Agg {
  n: number;
  first: number;
  last: number;
}

export async function buildReport(store: AuditStore, options: ReportOptions): Promise<BreachReport> {
  let hostPattern: HostPattern | undefined;
  if (options.host !== undefined) {
    const p = parseHostPattern(options.host);
    if (typeof p === 'string') throw new HedgeError(ErrorCodes.AUDIT_REPORT, `--host: ${p}`);
    hostPattern = p;
  }
  const o = { ...options, from: options.from ?? (await firstDisclosureAt(store, options.to)) ?? options.to };
  if (o.from >= o.to && options.from !== undefined) throw new HedgeError(ErrorCodes.AUDIT_REPORT, '--to must be after --from');
  if (!o.redacted && !o.key) throw new HedgeError(ErrorCodes.AUDIT_REPORT, 'naming subscribers needs the audit key (or ask for a redacted report)');
  const subjects = new Map<string, Agg & { msisdn: string | null; sites: Set<string> }>();
  const leakVersions = new Set<string>();
  const sites = new Map<string, Agg & { host: string; partner: string; subs: Set<string>; attrs: Set<string> }>();
  const exposures = new Map<string, Agg & { ref: string; host: string; partner: string; attrs: Set<string> }>();
  const times: number[] = [];
  const partners = new Set<string>();
  const opened = new Map<string, string>();
  let total = 0;
  let first: number | null = null;
  let lastT: number | null = null;
  let cursor: ScanCursor | undefined;

  while (true) {
    const page = await store.scan({ from: o.from, to: o.to, type: 'disclosure', partner: o.partner }, cursor, 2000);
    if (page.length === 0) break;
    for (const r of page) {
      const d = parseDetail(r);
      const host = r.host ?? '';
      if (hostPattern && !hostPatternMatches(hostPattern, host, d.port)) continue;
      let items = d.items;
      if (o.outsidePolicy) {
        items = outside(o.outsidePolicy.policy, host, d.port, items, r.partner);
        if (items.length === 0) continue;
      }
      const ref = r.subjectRef ?? 'unknown';
      let msisdn: string | null | undefined = null;
      if (!o.redacted) {
        msisdn = opened.get(ref);
        if (msisdn === undefined) {
          msisdn = r.subjectSealed ? openNumber(o.key!, r.subjectSealed, r) : 'unknown';
          opened.set(ref, msisdn);
        }
      }
      if (o.outsidePolicy && r.policyVersion) leakVersions.add(r.policyVersion);
      const partner = r.partner ?? '';
      total++;
      times.push(r.time);
      if (first === null || r.time < first) first = r.time;
      if (lastT === null || r.time > lastT) lastT = r.time;
      partners.add(partner);
      const attrs = items.map((i) => `${i.attribute}/${i.form}`);
      const s = upsert(subjects, ref, r.time, () => ({ msisdn, sites: new Set<string>() }));
      s.sites.add(host);
      const site = upsert(sites, `${partner}\u0000${host}`, r.time, () => ({ host, partner, subs: new Set<string>(), attrs: new Set<string>() }));
      site.subs.add(ref);
      for (const a of attrs) site.attrs.add(a);
      const e = upsert(exposures, `${ref}\u0000${partner}\u0000${host}`, r.time, () => ({ ref, host, partner, attrs: new Set<string>() }));
      for (const a of attrs) e.attrs.add(a);
    }
    const last = page[page.length - 1]!;
    cursor = { time: last.time, node: last.node, seq: last.seq };
  }

  if (total === 0) await refuseUnknownFilters(store, options, hostPattern);
  const purged = await purgedWithin(store, o.from);
  const unsigned = await unsignedWithin(store, o.from, o.to);
  const iso = (t: number) => new Date(t).toISOString();
  const now = o.now ?? Date.now();
  const incident = o.incident
    ? await buildIncident(
        store,
        { versions: leakVersions, first: o.outsidePolicy ? first : null, last: o.outsidePolicy ? lastT : null },
        { ...o.incident, window: { from: o.from, to: o.to }, now },
      )
    : null;
  const filters = {
    partner: o.partner ?? null,
    host: o.host ?? null,
    outsidePolicy: o.outsidePolicy ? `${o.outsidePolicy.file} (policy ${o.outsidePolicy.policy.version})` : null,
  };
  return {
    title: o.outsidePolicy ? 'Disclosures outside the approved policy' : 'Subscriber identity disclosures',
    generatedAt: iso(now),
    window: { from: iso(o.from), to: iso(Math.min(o.to, 8.64e15)) },
    filters,
    redacted: o.redacted === true,
    totals: { disclosures: total, subscribers: subjects.size, sites: new Set([...sites.values()].map((s) => s.host)).size, partners: partners.size },
    firstAt: first === null ? null : iso(first),
    lastAt: lastT === null ? null : iso(lastT),
    subscribers: [...subjects.entries()]
      .map(([ref, s]) => ({ msisdn: s.msisdn, reference: ref, disclosures: s.n, sites: [...s.sites].sort(), firstAt: iso(s.first), lastAt: iso(s.last) }))
      .sort((a, b) => b.disclosures - a.disclosures || (a.msisdn ?? a.reference).localeCompare(b.msisdn ?? b.reference)),
    sites: [...sites.values()]
      .map((s) => ({ host: s.host, partner: s.partner, disclosures: s.n, subscribers: s.subs.size, attributes: [...s.attrs].sort(), firstAt: iso(s.first), lastAt: iso(s.last) }))
      .sort((a, b) => b.disclosures - a.disclosures || a.host.localeCompare(b.host)),
    exposures: [...exposures.values()]
      .map((e) => ({
        msisdn: subjects.get(e.ref)!.msisdn,
        reference: e.ref,
        partner: e.partner,
        host: e.host,
        attributes: [...e.attrs].sort(),
        disclosures: e.n,
        firstAt: iso(e.first),
        lastAt: iso(e.last),
      }))
      .sort((a, b) => (a.msisdn ?? a.reference).localeCompare(b.msisdn ?? b.reference) || a.host.localeCompare(b.host)),
    timeline: timeline(times, first, lastT),
    incident,
    purged,
    unsignedBeforeRestart: unsigned,
    ...(o.witness ? { witness: o.witness } : {}),
  };
}

/** The unsigned ranges restarts took as found that may hold records of [from, to): written after their last signed record, before their restart. */
async function unsignedWithin(store: AuditStore, from: number, to: number): Promise<UnsignedBeforeRestart[]> {
  const out: UnsignedBeforeRestart[] = [];
  const checkpoints = new Map<string, Checkpoint[]>();
  let cursor: ScanCursor | undefined;
  while (true) {
    // A restart before the window cannot concern it: what it took as found was older still.
    const page = await store.scan({ from, to: 8.64e15, type: RESUME_TYPE }, cursor, 100);
    if (page.length === 0) break;
    for (const r of page) {
      let cps = checkpoints.get(r.node);
      if (!cps) checkpoints.set(r.node, (cps = await store.checkpoints(r.node)));
      const before = lastCheckpointBefore(cps, r.seq);
      const signedRecord = before && (await store.get(r.node, before.seq));
      const u = unsignedBeforeRestart(r, before && { seq: before.seq, time: signedRecord?.time ?? null });
      if (u && (u.since === null || Date.parse(u.since) < to)) out.push(u);
    }
    const last = page[page.length - 1]!;
    cursor = { time: last.time, node: last.node, seq: last.seq };
  }
  return out.sort((a, b) => a.node.localeCompare(b.node) || a.firstSeq - b.firstSeq);
}

/** The notice on records taken as found after an unclean stop, or undefined when none may fall in the window. */
export function unsignedReportNotice(r: Pick<BreachReport, 'unsignedBeforeRestart'>): string | undefined {
  return unsignedNotice(r.unsignedBeforeRestart);
}

/** The notice on what the witness showed, or undefined when it was not given or showed nothing wrong. */
export function witnessReportNotice(r: Pick<BreachReport, 'witness'>): string | undefined {
  const p = r.witness?.problem;
  if (!p) return undefined;
  return p.kind === 'truncated'
    ? `TRUNCATED: ${p.message}; disclosures recorded after the cut are not in this report (witness ${r.witness!.file})`
    : `WITNESS NOT TRUSTED: ${p.message} (witness ${r.witness!.file})`;
}

/** Chains that retention purged past `from`: the window reaches back before what they still hold. */
async function purgedWithin(store: AuditStore, from: number): Promise<{ node: string; removedBefore: string }[]> {
  const out: { node: string; removedBefore: string }[] = [];
  for (const node of await store.nodes()) {
    let before = 0;
    for (const cp of await store.checkpoints(node)) {
      if (cp.kind !== 'purge') continue;
      const t = Date.parse((JSON.parse(cp.detail) as { before?: string }).before ?? '');
      if (Number.isFinite(t) && t > before) before = t;
    }
    if (before > from) out.push({ node, removedBefore: new Date(before).toISOString() });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}

/** One sentence on what retention removed from the window, or undefined when nothing was. */
export function purgeNotice(r: Pick<BreachReport, 'purged'>): string | undefined {
  if (r.purged.length === 0) return undefined;
  const latest = r.purged.reduce((a, p) => (p.removedBefore > a ? p.removedBefore : a), '');
  return `INCOMPLETE: retention removed records before ${latest} (${r.purged.map((p) => `${p.node} before ${p.removedBefore}`).join(', ')}); disclosures earlier than that are not counted`;
}

/** How a row names its subscriber: the number, or in a redacted report the keyed reference. */
export function subjectLabel(row: { msisdn: string | null; reference: string }): string {
  return row.msisdn ?? `ref:${row.reference}`;
}

/** Time of the oldest disclosure before `to`, if any. */
async function firstDisclosureAt(store: AuditStore, to: number): Promise<number | undefined> {
  const [r] = await store.scan({ from: 0, to, type: 'disclosure' }, undefined, 1);
  return r?.time;
}

/**
 * An empty report for a partner or host nobody has heard of is almost always a
 * typo; answering "0 disclosures" would tell a regulator a falsehood. A filter is
 * known when the config names it or any disclosure, at any time, matches it.
 */
async function refuseUnknownFilters(store: AuditStore, o: ReportOptions, hostPattern: HostPattern | undefined): Promise<void> {
  if (o.partner !== undefined && !o.knownPartners?.includes(o.partner)) {
    const [any] = await store.scan({ from: 0, to: 8.64e15, type: 'disclosure', partner: o.partner }, undefined, 1);
    if (!any) {
      const known = o.knownPartners?.length ? ` (the config has: ${o.knownPartners.join(', ')})` : '';
      throw new HedgeError(ErrorCodes.AUDIT_REPORT, `--partner ${o.partner}: no such partner in the config${known} and no disclosure to it in the audit store`);
    }
  }
  if (hostPattern) {
    let cursor: ScanCursor | undefined;
    while (true) {
      const page = await store.scan({ from: 0, to: 8.64e15, type: 'disclosure', partner: o.partner }, cursor, 2000);
      if (page.length === 0) break;
      for (const r of page) if (hostPatternMatches(hostPattern, r.host ?? '', parseDetail(r).port)) return;
      const last = page[page.length - 1]!;
      cursor = { time: last.time, node: last.node, seq: last.seq };
    }
    throw new HedgeError(
      ErrorCodes.AUDIT_REPORT,
      `--host ${o.host}: no disclosure${o.partner !== undefined ? ` to ${o.partner}` : ''} to a host matching it in the audit store, at any time`,
    );
  }
}

function upsert<V extends Agg>(m: Map<string, V>, key: string, t: number, make: () => Omit<V, keyof Agg>): V {
  let v = m.get(key);
  if (!v) {
    v = { ...make(), n: 0, first: t, last: t } as V;
    m.set(key, v);
  }
  v.n++;
  if (t < v.first) v.first = t;
  if (t > v.last) v.last = t;
  return v;
}

function parseDetail(r: AuditRecord): DisclosureDetail {
  try {
    const d = JSON.parse(r.detail) as DisclosureDetail;
    return { port: d.port ?? 80, items: Array.isArray(d.items) ? d.items : [], binding: d.binding ?? null };
  } catch {
    throw new HedgeError(ErrorCodes.AUDIT_REPORT, `record ${r.node}#${r.seq} has an unreadable detail; run "hedge audit verify"`);
  }
}

function openNumber(key: AuditKey, sealed: string, r: AuditRecord): string {
  try {
    const v = JSON.parse(key.open(sealed)) as { msisdn?: string };
    return v.msisdn ?? 'unknown';
  } catch (err) {
    if (err instanceof HedgeError) throw new HedgeError(err.code, `record ${r.node}#${r.seq}: ${err.message}`);
    throw err;
  }
}

/** The items a policy would not have sent to host:port (a different partner's grants count as not sent). */
export function outside(policy: CompiledPolicy, host: string, port: number, items: DisclosureDetail['items'], recordPartner?: string | null): DisclosureDetail['items'] {
  // Front-door answers name the scope that allowed them (or ID_TOKEN_SUB for the ID token's pairwise sub):
  // they were within the policy when that partner is a client holding that scope.
  const fd = items.filter((i) => isFrontDoorDisclosureName(i.header));
  const rest = fd.length === items.length ? [] : items.filter((i) => !fd.includes(i));
  const client = recordPartner ? policy.partners.find((p) => p.id === recordPartner)?.frontDoor : undefined;
  const fdOutside = fd.filter((i) => !client || (i.header !== ID_TOKEN_SUB && !client.scopes.has(i.header as FrontDoorScope)));
  if (rest.length === 0) return fdOutside;
  const partner = policy.hosts.lookup(host, port);
  if (!partner) return [...fdOutside, ...rest];
  return [...fdOutside, ...rest.filter((i) => !partner.grants.some((g) => g.attribute === i.attribute && g.form === i.form))];
}

const BUCKETS = [60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400];

function timeline(times: number[], first: number | null, last: number | null): BreachReport['timeline'] {
  if (first === null || last === null) return { bucketSeconds: 60, buckets: [] };
  const span = (last - first) / 1000;
  const bucketSeconds = BUCKETS.find((b) => span / b <= 60) ?? 30 * 86400;
  const ms = bucketSeconds * 1000;
  const start = Math.floor(first / ms) * ms;
  const counts = new Array<number>(Math.floor((last - start) / ms) + 1).fill(0);
  for (const t of times) counts[Math.floor((t - start) / ms)]!++;
  return { bucketSeconds, buckets: counts.map((n, i) => ({ start: new Date(start + i * ms).toISOString(), disclosures: n })) };
}
