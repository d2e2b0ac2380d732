// What each witnessed head continued from. A gateway names, in every
// periodic and shutdown checkpoint it signs, the checkpoint its chain had
// before (`prev` in the detail: the store's newest when it opened the chain,
// then its own last); a resume checkpoint names it as `lastCheckpointSeq`. In
// the witness, a node's heads follow one another in the order they were
// committed, so a head that continues from below one the witness saw earlier
// shows the chain was cut back there and written again — whether or not the
// store still holds the records: once retention (or `hedge audit purge`)
// removed the rewritten records, the store cannot tell, and only this can.
// Purge anchors are not heads a writer continues from (another process may
// write them: the CLI, a sibling worker's retention), so they only have to
// agree with a head witnessed at their own seq.
import type { Checkpoint } from './record.js';
import type { VerifyProblem } from './verify.js';

interface Seen {
  seq: number;
  hash: string;
  kind: string;
  time: number;
}

/** What a checkpoint says it continued from; undefined when it does not say (written before checkpoints named it). */
function continuedFrom(cp: Checkpoint): { seq: number; hash: string | undefined } | undefined {
  let d: unknown;
  try {
    d = JSON.parse(cp.detail);
  } catch {
    return undefined;
  }
  if (typeof d !== 'object' || d === null) return undefined;
  const detail = d as { prev?: unknown; lastCheckpointSeq?: unknown };
  if (cp.kind === 'resume') return Number.isSafeInteger(detail.lastCheckpointSeq) ? { seq: detail.lastCheckpointSeq as number, hash: undefined } : { seq: 0, hash: undefined };
  if (!('prev' in detail)) return undefined;
  if (detail.prev === null) return { seq: 0, hash: undefined };
  const p = detail.prev as { seq?: unknown; hash?: unknown };
  return Number.isSafeInteger(p.seq) && typeof p.hash === 'string' ? { seq: p.seq as number, hash: p.hash } : undefined;
}

/** Follows each node's witnessed heads in file order; `next` returns the first break it sees in a signed line. */
export class WitnessContinuity {
  private readonly heads = new Map<string, Seen>();

  next(cp: Checkpoint): VerifyProblem | undefined {
    const seen = this.heads.get(cp.node);
    if (cp.kind === 'purge') {
      if (seen && seen.seq === cp.seq && seen.hash !== cp.hash)
        return cut(cp.node, seen, `the purge anchor at #${cp.seq} (signed at ${iso(cp.time)}) removed another record there`);
      return undefined;
    }
    const from = continuedFrom(cp);
    if (!seen || cp.seq >= seen.seq) this.heads.set(cp.node, { seq: cp.seq, hash: cp.hash, kind: cp.kind, time: cp.time });
    if (!seen || !from) return undefined;
    if (from.seq < seen.seq || (from.seq === seen.seq && from.hash !== undefined && from.hash !== seen.hash)) {
      const start = from.seq === 0 ? 'an empty chain' : `#${from.seq}`;
      return cut(cp.node, seen, `the checkpoint of ${cp.node}#${cp.seq} (${cp.kind}, signed at ${iso(cp.time)}) continues from ${start}`);
    }
    return undefined;
  }
}

function cut(node: string, seen: Seen, after: string): VerifyProblem {
  return {
    kind: 'truncated',
    node,
    seq: seen.seq,
    message: `chain ${node} was truncated: the witness holds a checkpoint of ${node}#${seen.seq} (${seen.kind}, signed at ${iso(seen.time)}), but ${after} — the chain was cut back to before #${seen.seq} and written again (the store may no longer hold the records: a purge removes them, not this)`,
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
