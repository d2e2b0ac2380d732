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
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditRecord, Checkpoint } from './record.js';
import type { AuditStore } from './store.js';
import type { SignatureVerifier } from './keys.js';
import type { ReportWitness } from './report.js';
import { checkpointSignatureValid, verifyStore, type ChainSummary, type VerifyOptions, type VerifyProblem, type VerifyResult } from './verify.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { WitnessContinuity } from './witness-continuity.js';

export interface WitnessSummary {
  file: string;
  /** Non-empty lines read. */
  lines: number;
  /** Lines that are checkpoints signed by the gateway key. */
  signed: number;
  /** Lines not trusted: unreadable, or no valid signature (1-based line numbers). */
  rejected: { line: number; node: string | null; seq: number | null; reason: 'unreadable' | 'signature' }[];
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

/** Reads the witness file (streaming: memory for one head per node) and checks every signed line against the store: one lookup a line. */
export async function checkWitness(
  store: AuditStore,
  file: string,
  verifier: SignatureVerifier,
  chains: readonly ChainSummary[],
): Promise<{ summary: WitnessSummary; problem?: VerifyProblem }> {
  const summary: WitnessSummary = { file, lines: 0, signed: 0, rejected: [], notInStore: 0, heads: [] };
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new HedgeError(ErrorCodes.AUDIT_WITNESS, `${file}: cannot read the audit witness: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let n = 0;
  let problem: VerifyProblem | undefined;
  const heads = new Map<string, WitnessSummary['heads'][number]>();
  const continuity = new WitnessContinuity();
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (text.trim() === '') continue;
    summary.lines++;
    const cp = parseLine(text);
    if (!cp) {
      summary.rejected.push({ line: n, node: null, seq: null, reason: 'unreadable' });
      continue;
    }
    if (!checkpointSignatureValid(cp, verifier)) {
      summary.rejected.push({ line: n, node: cp.node, seq: cp.seq, reason: 'signature' });
      continue;
    }
    summary.signed++;
    const found = await inStore(store, cp, chains);
    if (!found) summary.notInStore++;
    const top = heads.get(cp.node);
    if (!top || cp.seq >= top.seq) heads.set(cp.node, { node: cp.node, seq: cp.seq, time: new Date(cp.time).toISOString(), kind: cp.kind, inStore: found });
    problem ??= found ? undefined : truncated(cp, await store.get(cp.node, cp.seq), chains);
    // Also when the store holds the line's record (or a purge anchor covers it): a head that continues from below an earlier one.
    const broken = continuity.next(cp);
    problem ??= broken;
  }
  summary.heads = [...heads.values()];
  const bad = summary.rejected[0];
  if (!problem && bad)
    problem = {
      kind: 'witness',
      node: bad.node ?? '',
      seq: bad.seq ?? 0,
      message:
        bad.reason === 'signature'
          ? `witness line ${bad.line} (${bad.node}#${bad.seq}) has no valid signature by the gateway key (known: ${verifier.describe}): forged or altered, not trusted`
          : `witness line ${bad.line} is not a witness checkpoint: not trusted`,
    };
  return problem ? { summary, problem } : { summary };
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
  opts: Omit<VerifyOptions, 'verifier'> = {},
): Promise<{ result: VerifyResult; witness?: { summary: WitnessSummary; problem?: VerifyProblem } }> {
  const result = await verifyStore(store, { ...opts, verifier });
  // The witness is checked after the chains: their hash links make each node's highest witnessed head stand for the rest.
  if (witnessFile === undefined) return { result };
  const witness = await checkWitness(store, witnessFile, verifier, result.chains);
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
