// Checking the store against the audit witness (witness.ts): the heads the
// gateway signed, kept where the store's writers cannot reach. The store alone
// cannot show that a chain was cut back to an earlier checkpoint (records and
// checkpoints after it deleted): what is left verifies, and looks like a crash
// or a clean stop there. The witness can: every witnessed checkpoint must
// still be in the store, the record at its seq with its hash — otherwise the
// chain was `truncated` (and, when the gateway wrote on since, written again
// from the cut). Every line is looked up, not only each node's highest: after
// a cut the gateway writes on and signs new heads past the old one, and only
// the older lines still show the history that was deleted.
//
// A witness line is trusted only when the gateway key signed it (the same
// check as the store's checkpoints): a line that does not parse or verify is
// reported (`witness`), never used — so a forged line can neither hide a cut
// nor invent one.
import type { AuditRecord, Checkpoint } from './record.js';
import type { AuditStore } from './store.js';
import type { SignatureVerifier } from './keys.js';
import type { ReportWitness } from './report.js';
import { checkpointSignatureValid, verifyStore, type ChainSummary, type VerifyOptions, type VerifyProblem, type VerifyResult } from './verify.js';
import { WitnessContinuity } from './witness-continuity.js';
import { witnessLines } from './witness-lines.js';

export interface WitnessSummary {
  file: string;
  /** Non-empty lines read. */
  lines: number;
  /** Lines that are checkpoints signed by the gateway key. */
  signed: number;
  /**
   * Lines not trusted (1-based line numbers): unreadable, no valid signature, or
   * a last line still without its end of line after the wait (witness-lines.ts).
   */
  rejected: { line: number; node: string | null; seq: number | null; reason: 'unreadable' | 'signature' | 'incomplete' }[];
  /**
   * Lines that are the beginning of a later line (1-based): an append a full
   * disk or a file-size limit cut short, written again whole (witness.ts).
   * Not checkpoints, and not counted in `lines`.
   */
  cutShort: number[];
  /** Signed lines whose checkpoint the store lacks (or holds another record at its seq). */
  notInStore: number;
  /** Each node's highest witnessed checkpoint, and whether the store holds it. */
  heads: { node: string; seq: number; time: string; kind: string; inStore: boolean }[];
}

const KINDS = new Set(['periodic', 'shutdown', 'purge', 'resume']);

function parseLine(text: string): Checkpoint | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  const str = (k: string) => typeof c[k] === 'string';
  if (!str('node') || !str('hash') || !str('keyId') || !str('signature') || !str('detail') || !str('kind') || !KINDS.has(c.kind as string)) return undefined;
  if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 1 || !Number.isSafeInteger(c.time)) return undefined;
  return c as unknown as Checkpoint;
}

/** Whether the store still holds the record a witnessed checkpoint signed (or retention removed it under a signed anchor). */
async function inStore(store: AuditStore, cp: Checkpoint, chains: readonly ChainSummary[]): Promise<boolean> {
  const purged = chains.find((c) => c.node === cp.node)?.purgedThrough;
  if (purged != null && cp.seq <= purged) return true;
  return (await store.get(cp.node, cp.seq))?.hash === cp.hash;
}

function truncated(cp: Checkpoint, rec: AuditRecord | undefined, chains: readonly ChainSummary[]): VerifyProblem {
  const chain = chains.find((c) => c.node === cp.node);
  const signed = `the witness holds a checkpoint of ${cp.node}#${cp.seq} (${cp.kind}, signed at ${new Date(cp.time).toISOString()})`;
  const message = rec
    ? `chain ${cp.node} was truncated: ${signed}, but the store holds another record at #${cp.seq} — the chain was cut back to before it and written again`
    : `chain ${cp.node} was truncated: ${signed}, but the store ${chain?.lastSeq != null ? `ends at #${chain.lastSeq}` : 'has no record of this node'} — records and checkpoints after an earlier checkpoint were deleted`;
  return { kind: 'truncated', node: cp.node, seq: cp.seq, message };
}

/**
 * The newest purge anchor of a node that the gateway key signed, as the store
 * holds it now: what retention removed since the chains were read.
 */
async function signedAnchorNow(store: AuditStore, node: string, verifier: SignatureVerifier): Promise<number | undefined> {
  let seq: number | undefined;
  for (const c of await store.checkpoints(node)) if (c.kind === 'purge' && (seq === undefined || c.seq > seq) && checkpointSignatureValid(c, verifier)) seq = c.seq;
  return seq;
}

export interface WitnessCheckOptions {
  /** How long to wait for a half-written last line (witness-lines.ts); TAIL_WAIT_MS by default. */
  tailWaitMs?: number | undefined;
}

/**
 * Reads the witness file (streaming: memory for one head per node and the
 * lines whose record was not found) and checks every signed line against the
 * store: one lookup a line.
 *
 * The chains were read before the witness, and a gateway's retention may purge
 * in between (or while the lines are looked up): a witnessed head it removed
 * is then neither in the store nor under the purge anchor the chains saw, and
 * would read as a cut. So a line whose record is missing is settled only after
 * the whole file was read, against the node's purge anchor as the store holds
 * it then: covered when an anchor signed by the gateway key reaches its seq
 * (anchors only grow, so one read after the last lookup sees every purge that
 * lookup could have missed). A cut is never covered so: a purge anchor stands
 * on a record the store held, and a chain cut back below a witnessed head
 * holds none at or past it — unless written on from the cut, which the
 * witnessed heads' continuity shows whether or not the records remain.
 */
export async function checkWitness(
  store: AuditStore,
  file: string,
  verifier: SignatureVerifier,
  chains: readonly ChainSummary[],
  opts: WitnessCheckOptions = {},
): Promise<{ summary: WitnessSummary; problem?: VerifyProblem }> {
  const summary: WitnessSummary = { file, lines: 0, signed: 0, rejected: [], cutShort: [], notInStore: 0, heads: [] };
  const heads = new Map<string, { head: WitnessSummary['heads'][number]; cp: Checkpoint }>();
  const continuity = new WitnessContinuity();
  // In file order: a witnessed checkpoint whose record the store lacked when looked up, or a break in a node's heads.
  const findings: ({ missing: Checkpoint } | { broken: VerifyProblem })[] = [];
  const whole = (text: string) => text.trim() === '' || parseLine(text) !== undefined;
  // Unreadable lines not judged yet: the remains of an append cut short, when a later line begins with them.
  const unreadable = new CutShortLines();
  for await (const { n, text, unterminated } of witnessLines(file, { whole, tailWaitMs: opts.tailWaitMs })) {
    if (text.trim() === '') continue;
    summary.lines++;
    summary.cutShort.push(...unreadable.completedBy(text));
    if (unterminated) {
      summary.rejected.push({ line: n, node: null, seq: null, reason: 'incomplete' });
      continue;
    }
    const cp = parseLine(text);
    if (!cp) {
      unreadable.add(n, text);
      continue;
    }
    if (!checkpointSignatureValid(cp, verifier)) {
      summary.rejected.push({ line: n, node: cp.node, seq: cp.seq, reason: 'signature' });
      continue;
    }
    summary.signed++;
    if (!(await inStore(store, cp, chains))) findings.push({ missing: cp });
    const top = heads.get(cp.node);
    if (!top || cp.seq >= top.head.seq) heads.set(cp.node, { head: { node: cp.node, seq: cp.seq, time: new Date(cp.time).toISOString(), kind: cp.kind, inStore: true }, cp });
    // Also when the store holds the line's record (or a purge anchor covers it): a head that continues from below an earlier one.
    const broken = continuity.next(cp);
    if (broken) findings.push({ broken });
  }

  summary.lines -= summary.cutShort.length;
  for (const line of unreadable.remaining()) summary.rejected.push({ line, node: null, seq: null, reason: 'unreadable' });
  summary.rejected.sort((a, b) => a.line - b.line);

  // Missing records, settled against the purge anchors as they are now (one read per node that has any).
  const anchors = new Map<string, number | undefined>();
  const notInStore = new Set<Checkpoint>();
  for (const f of findings) {
    if (!('missing' in f)) continue;
    const node = f.missing.node;
    if (!anchors.has(node)) anchors.set(node, await signedAnchorNow(store, node, verifier));
    const anchor = anchors.get(node);
    if (anchor === undefined || f.missing.seq > anchor) notInStore.add(f.missing);
  }
  summary.notInStore = notInStore.size;
  summary.heads = [...heads.values()].map(({ head, cp }) => ({ ...head, inStore: !notInStore.has(cp) }));
  let problem: VerifyProblem | undefined;
  for (const f of findings) {
    if ('broken' in f) problem = f.broken;
    else if (notInStore.has(f.missing)) problem = truncated(f.missing, await store.get(f.missing.node, f.missing.seq), chains);
    if (problem) break;
  }
  const bad = summary.rejected[0];
  if (!problem && bad) problem = untrusted(bad, verifier);
  return problem ? { summary, problem } : { summary };
}

/**
 * Unreadable witness lines waiting for a later line that begins with them.
 * An append cut short (a full disk, a file-size limit: witness.ts) leaves the
 * beginning of its first unfinished line, and the writer appends that line
 * again whole, after an end of line — possibly after other writers' lines.
 * Such remains carry nothing of their own: the whole line says it all. Any
 * other unreadable line (one no later line completes) is not trusted. At most
 * MAX_PENDING wait; past that, the oldest is judged unreadable at once.
 */
class CutShortLines {
  private static readonly MAX_PENDING = 64;
  private pending: { line: number; text: string }[] = [];
  private judged: number[] = [];

  add(line: number, text: string): void {
    this.pending.push({ line, text });
    if (this.pending.length > CutShortLines.MAX_PENDING) this.judged.push(this.pending.shift()!.line);
  }

  /** The pending lines a later line begins with (and is longer than): cut short, now complete. */
  completedBy(text: string): number[] {
    if (this.pending.length === 0) return [];
    const done = this.pending.filter((p) => text.length > p.text.length && text.startsWith(p.text));
    if (done.length > 0) this.pending = this.pending.filter((p) => !done.includes(p));
    return done.map((p) => p.line);
  }

  /** Lines no later line completed. */
  remaining(): number[] {
    return [...this.judged, ...this.pending.map((p) => p.line)];
  }
}

function untrusted(bad: WitnessSummary['rejected'][number], verifier: SignatureVerifier): VerifyProblem {
  const message =
    bad.reason === 'signature'
      ? `witness line ${bad.line} (${bad.node}#${bad.seq}) has no valid signature by the gateway key (known: ${verifier.describe}): forged or altered, not trusted`
      : bad.reason === 'incomplete'
        ? `witness line ${bad.line} is incomplete: the last line has no end of line and was not finished within the wait (an append that never completed, or a cut file): not trusted`
        : `witness line ${bad.line} is not a witness checkpoint: not trusted`;
  return { kind: 'witness', node: bad.node ?? '', seq: bad.seq ?? 0, message };
}

/**
 * `hedge audit verify` and `hedge audit report` alike: the chains, then (with
 * a witness file) the witness against them. A witness problem fails the result
 * only when the chains themselves verified (the first problem is the one named).
 */
export async function verifyWithWitness(
  store: AuditStore,
  verifier: SignatureVerifier,
  witnessFile: string | undefined,
  opts: Omit<VerifyOptions, 'verifier'> & WitnessCheckOptions = {},
): Promise<{ result: VerifyResult; witness?: { summary: WitnessSummary; problem?: VerifyProblem } }> {
  const result = await verifyStore(store, { ...opts, verifier });
  // The witness is checked after the chains: their hash links make each node's highest witnessed head stand for the rest.
  if (witnessFile === undefined) return { result };
  const witness = await checkWitness(store, witnessFile, verifier, result.chains, { tailWaitMs: opts.tailWaitMs });
  if (witness.problem && result.ok) {
    result.ok = false;
    result.problem = witness.problem;
  }
  return { result, witness };
}

/**
 * The witness check as a breach report states it (`witness` in report.ts):
 * `hedge audit report --witness` and the admin API's `GET /audit/report` alike.
 */
export function reportWitness(w: { summary: WitnessSummary; problem?: VerifyProblem | undefined }): ReportWitness {
  const p = w.problem;
  return {
    file: w.summary.file,
    lines: w.summary.lines,
    signed: w.summary.signed,
    problem: p && (p.kind === 'truncated' || p.kind === 'witness') ? { ...p, kind: p.kind } : null,
  };
}
