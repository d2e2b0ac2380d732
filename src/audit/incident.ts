// What a regulator asks first about a breach, read from the audit chain
// itself: when the exposure started (the policy load or reload that made the
// leaking policy live, with its exposure diff), when it was detected (a
// failing canary or a guard hit after that moment, or the time the operator
// states), when it stopped (the next policy that no longer leaks), whether
// the chain verified, and the notification deadlines that follow from the
// detection time. Names, versions and times only — never a number.
import type { AuditStore, ScanCursor } from './store.js';
import type { AuditRecord } from './record.js';
import type { VerifyResult } from './verify.js';

/** What the report's disclosure walk learnt about the leaking disclosures. */
export interface LeakSummary {
  /** Policy versions in force when a disclosure outside the approved policy was made. */
  versions: ReadonlySet<string>;
  first: number | null;
  last: number | null;
}

export interface PolicyChange {
  type: string;
  at: string;
  node: string;
  policyVersion: string;
  trigger: string | null;
  file: string | null;
  /** The exposure diff as recorded with the event (one line per change). */
  exposure: string[];
}

export interface Deadline {
  /** Short name for tables. */
  name: string;
  /** The rule, in words. */
  rule: string;
  /** ISO time, or null when the rule sets no fixed hour. */
  due: string | null;
}

export interface Incident {
  /** The policy event that made the leaking policy live (null: not in the chain, e.g. purged). */
  cause: PolicyChange | null;
  exposureStartedAt: string | null;
  detectedAt: string | null;
  detectedBy: string | null;
  stoppedAt: string | null;
  stoppedBy: PolicyChange | null;
  deadlines: Deadline[];
  chain: ChainStatement;
}

export interface ChainStatement {
  ok: boolean;
  records: number;
  chains: number;
  signaturesChecked: boolean;
  /** Where the first problem is, in words (null when ok). */
  problem: string | null;
  /** Whether that problem lies inside the report's window (a record time in the window). */
  problemInWindow: boolean | null;
  /** Records a restart took as found after an unclean stop, anywhere in the store: verified as a chain, never signed by their writer. */
  unsignedBeforeRestart: number;
}

export interface IncidentOptions {
  window: { from: number; to: number };
  /** The detection time when the operator knows it (a complaint, a press report); else taken from the chain. */
  detectedAt?: number | undefined;
  now?: number;
  /** Verifies the whole store (chains and signed checkpoints). */
  verify: () => Promise<VerifyResult>;
}

const POLICY_EVENTS = ['policy-load', 'policy-reload'];
const HOUR = 3_600_000;

export async function buildIncident(store: AuditStore, leak: LeakSummary, o: IncidentOptions): Promise<Incident> {
  const until = Math.max(o.window.to, o.now ?? Date.now()) + 1;
  const found: { r: AuditRecord; change: PolicyChange }[] = [];
  // A reload refused because its record was not committed in time, whose record landed after all: its "abandoned"
  // event names that record (node/reload.ts), and the policy it names never served.
  const abandoned = new Set<string>();
  for (const type of POLICY_EVENTS)
    for await (const r of records(store, type, 0, until)) {
      const named = abandonedRecord(r);
      if (named) abandoned.add(`${r.node}\0${named.seq}\0${named.hash}`);
      const c = policyChange(r);
      if (c) found.push({ r, change: c });
    }
  const policyEvents = found.filter(({ r }) => !abandoned.has(`${r.node}\0${r.seq}\0${r.hash}`)).map(({ change }) => change);
  policyEvents.sort((a, b) => a.at.localeCompare(b.at));

  const first = leak.first;
  const last = leak.last;
  let cause: PolicyChange | null = null;
  if (first !== null) {
    for (const e of policyEvents) if (leak.versions.has(e.policyVersion) && Date.parse(e.at) <= first) cause = e;
  }
  let stoppedBy: PolicyChange | null = null;
  if (last !== null) stoppedBy = policyEvents.find((e) => Date.parse(e.at) > last && !leak.versions.has(e.policyVersion)) ?? null;

  const startedAt = cause ? Date.parse(cause.at) : first;
  let detectedAt: number | null = o.detectedAt ?? null;
  let detectedBy: string | null = o.detectedAt !== undefined ? 'stated by the operator' : null;
  if (detectedAt === null && startedAt !== null) {
    const found = await firstAlarm(store, startedAt, until);
    if (found) ({ at: detectedAt, by: detectedBy } = found);
  }

  const verified = await o.verify();
  return {
    cause,
    exposureStartedAt: startedAt === null ? null : iso(startedAt),
    detectedAt: detectedAt === null ? null : iso(detectedAt),
    detectedBy,
    stoppedAt: stoppedBy?.at ?? null,
    stoppedBy,
    deadlines: detectedAt === null ? [] : deadlines(detectedAt),
    chain: await chainStatement(store, verified, o.window),
  };
}

/** The deadlines that run from the moment the operator became aware. */
export function deadlines(detectedAt: number): Deadline[] {
  return [
    {
      name: 'ICO (UK PECR reg. 5A)',
      rule: 'a public electronic communications provider notifies the Information Commissioner within 24 hours of detecting a personal data breach',
      due: iso(detectedAt + 24 * HOUR),
    },
    {
      name: 'Supervisory authority (GDPR Art. 33)',
      rule: 'notify the supervisory authority without undue delay and, where feasible, within 72 hours of becoming aware of it',
      due: iso(detectedAt + 72 * HOUR),
    },
    {
      name: 'Subscribers (GDPR Art. 34; PECR reg. 5A(3))',
      rule: 'tell the people affected without undue delay when the breach is likely to result in a high risk to them (see the per-subscriber notices)',
      due: null,
    },
  ];
}

async function firstAlarm(store: AuditStore, from: number, until: number): Promise<{ at: number; by: string } | undefined> {
  let best: { at: number; by: string } | undefined;
  for await (const r of records(store, 'canary', from, until)) {
    if (detailOf(r).result === 'fail') {
      best = { at: r.time, by: 'the canary failed' };
      break;
    }
  }
  for await (const r of records(store, 'guard-hit', from, best?.at ?? until)) {
    best = { at: r.time, by: 'the egress guard removed an ungranted identifier' };
    break;
  }
  return best;
}

async function chainStatement(store: AuditStore, v: VerifyResult, window: { from: number; to: number }): Promise<ChainStatement> {
  let problemInWindow: boolean | null = null;
  if (v.problem) {
    const r = await store.get(v.problem.node, v.problem.seq).catch(() => undefined);
    problemInWindow = r ? r.time >= window.from && r.time < window.to : null;
  }
  return {
    ok: v.ok,
    records: v.records,
    chains: v.chains.length,
    signaturesChecked: v.signaturesChecked,
    problem: v.problem ? `${v.problem.kind} at ${v.problem.node}#${v.problem.seq}: ${v.problem.message}` : null,
    problemInWindow,
    unsignedBeforeRestart: v.chains.reduce((n, c) => n + c.unsignedBeforeRestart.reduce((m, u) => m + u.records, 0), 0),
  };
}

async function* records(store: AuditStore, type: string, from: number, to: number): AsyncGenerator<AuditRecord> {
  let cursor: ScanCursor | undefined;
  while (true) {
    const page = await store.scan({ from, to, type }, cursor, 1000);
    if (page.length === 0) return;
    yield* page;
    const last = page[page.length - 1]!;
    cursor = { time: last.time, node: last.node, seq: last.seq };
  }
}

/** The record (in the same chain) an "abandoned" policy-reload event retracts, if it is one. */
function abandonedRecord(r: AuditRecord): { seq: number; hash: string } | null {
  if (r.type !== 'policy-reload') return null;
  const a = detailOf(r).abandons as { seq?: unknown; hash?: unknown } | undefined;
  return a && typeof a.seq === 'number' && typeof a.hash === 'string' ? { seq: a.seq, hash: a.hash } : null;
}

function policyChange(r: AuditRecord): PolicyChange | null {
  const d = detailOf(r);
  if (r.type === 'policy-reload' && d.result !== undefined && d.result !== 'applied') return null;
  if (!r.policyVersion) return null;
  return {
    type: r.type,
    at: iso(r.time),
    node: r.node,
    policyVersion: r.policyVersion,
    trigger: typeof d.trigger === 'string' ? d.trigger : r.type === 'policy-load' ? 'start' : null,
    file: typeof d.file === 'string' ? d.file : null,
    exposure: exposureLines(d.exposure),
  };
}

/** Reload events keep the diff's lines; load events the grants they added. */
function exposureLines(x: unknown): string[] {
  if (!x || typeof x !== 'object') return [];
  const e = x as { changes?: unknown };
  if (!Array.isArray(e.changes)) return [];
  return e.changes.map((c) => {
    if (typeof c === 'string') return c;
    const k = c as { change?: string; partner?: string; grant?: string; hosts?: string[] };
    return `${k.change === 'removed' ? '-' : '+'} ${k.partner ?? '?'}: ${k.grant ?? '?'} to ${(k.hosts ?? []).join(', ')}`;
  });
}

function detailOf(r: AuditRecord): Record<string, unknown> {
  try {
    const d = JSON.parse(r.detail) as unknown;
    return d && typeof d === 'object' ? (d as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
