// What a gateway found unsigned when it started after an unclean stop (a
// crash, SIGKILL, power loss: no shutdown checkpoint). Records written after
// its last checkpoint were covered by no signature while it was down; anyone
// who could write to the store then could have rewritten or deleted them,
// recomputing the hashes. The restarted gateway cannot tell, so before it
// appends anything it records what it found — a `resume` record, signed at
// once by a checkpoint of kind `resume` — and continues from there. Later
// checkpoints sign the chain through that record, but the range it names is
// never reported as signed: verify and the breach report say those records
// were taken as found at the restart.
//
// The range is computed by the reader from the signed checkpoints before the
// resume record (the last one of any kind, up to the record before it), not
// taken from the record's detail: a checkpoint forged or deleted in between
// can only widen it.
import type { AuditRecord, Checkpoint } from './record.js';

/** The type of the record a gateway appends first after an unclean stop. */
export const RESUME_TYPE = 'resume';

/** The resume record's detail, as the gateway saw the chain at start (informational: readers recompute the range). */
export interface ResumeDetail {
  found: { seq: number; hash: string };
  /** The highest seq a checkpoint with a valid signature covered (null: none). */
  lastCheckpointSeq: number | null;
  unsigned: { from: number; through: number };
}

/** Records no signature covered before an unclean stop, taken as found at the restart. */
export interface UnsignedBeforeRestart {
  node: string;
  firstSeq: number;
  lastSeq: number;
  records: number;
  /** The last record a checkpoint signed before them (null: none, or only a purge anchor). */
  lastSignedSeq: number | null;
  /** When that signed record was written: the unsigned records are no older (null: unknown, from the chain's start). */
  since: string | null;
  /** The resume record the restarted gateway wrote. */
  restartSeq: number;
  restartedAt: string;
}

/**
 * The unsigned range a resume record closes: from the record after the last
 * checkpoint before it (`lastSigned`) to the record before it. Undefined when
 * that range is empty (a crash right after a checkpoint leaves nothing unsigned).
 */
export function unsignedBeforeRestart(resume: AuditRecord, lastSigned: { seq: number; time: number | null } | undefined): UnsignedBeforeRestart | undefined {
  const firstSeq = (lastSigned?.seq ?? 0) + 1;
  const lastSeq = resume.seq - 1;
  if (lastSeq < firstSeq) return undefined;
  return {
    node: resume.node,
    firstSeq,
    lastSeq,
    records: lastSeq - firstSeq + 1,
    lastSignedSeq: lastSigned?.seq ?? null,
    since: lastSigned?.time != null ? new Date(lastSigned.time).toISOString() : null,
    restartSeq: resume.seq,
    restartedAt: new Date(resume.time).toISOString(),
  };
}

/** The highest seq below `seq` that a checkpoint covers (checkpoints sorted by seq or not). */
export function lastCheckpointBefore(checkpoints: readonly Checkpoint[], seq: number): Checkpoint | undefined {
  let best: Checkpoint | undefined;
  for (const c of checkpoints) if (c.seq < seq && (!best || c.seq > best.seq)) best = c;
  return best;
}

/** One sentence per range. */
export function unsignedLine(u: UnsignedBeforeRestart): string {
  const [what, were] = u.records === 1 ? [`record ${u.node}#${u.firstSeq}`, 'was'] : [`records ${u.node}#${u.firstSeq}–#${u.lastSeq}`, 'were'];
  return `${what} ${were} not covered by a signature before an unclean stop and ${were} taken as found at the restart at ${u.restartedAt}`;
}

/** The report's notice (table, HTML, CSV, stderr), or undefined when no range touches the window. */
export function unsignedNotice(list: readonly UnsignedBeforeRestart[]): string | undefined {
  if (list.length === 0) return undefined;
  return `UNSIGNED: ${list.map(unsignedLine).join('; ')} — anyone able to write to the audit store while the gateway was down could have altered or removed them, so disclosures in that span may be missing or misattributed`;
}
