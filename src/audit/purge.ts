// Retention: removing records older than a date from every chain, leaving a
// signed purge anchor (the hash of the last removed record) so the remaining
// chain still verifies from its first record. The anchor also goes to the
// audit witness when one is configured, once the store committed it: the
// witness then shows each purge among the heads (witness-continuity.ts).
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { CheckpointWitness } from './witness.js';
import type { Signer } from './keys.js';
import { checkpointMessage, recordHash, type Checkpoint } from './record.js';
import type { AuditStore } from './store.js';

export interface PurgeResult {
  node: string;
  removed: number;
  throughSeq: number;
}

/**
 * Per chain, the first seq a purge must leave in place: a record that still
 * carries a subscriber's standing consent choice (consent-retention.ts).
 */
export type KeepFrom = ReadonlyMap<string, number>;

/** The last seq of `node` a purge before `before` removes: the last record before it, but never `keep`'s record or one after it. */
async function cutAt(store: AuditStore, node: string, before: number, keep: KeepFrom | undefined): Promise<number | undefined> {
  const seq = await store.lastSeqBefore(node, before);
  const stop = keep?.get(node);
  if (seq === undefined || stop === undefined || seq < stop) return seq;
  return stop > 1 ? stop - 1 : undefined;
}

/** What purgeBefore would remove, removing nothing: per chain, the records before `before` (up to `keep`). */
export async function planPurge(store: AuditStore, before: number, nodes?: readonly string[], keep?: KeepFrom): Promise<PurgeResult[]> {
  const out: PurgeResult[] = [];
  for (const node of nodes ?? (await store.nodes())) {
    const seq = await cutAt(store, node, before, keep);
    if (seq === undefined) continue;
    // Sequence numbers are contiguous within a chain: from the first remaining record to seq.
    const [first] = await store.page(node, 0, 1);
    if (!first || first.seq > seq) continue; // purged that far already
    out.push({ node, removed: seq - first.seq + 1, throughSeq: seq });
  }
  return out;
}

export async function purgeBefore(
  store: AuditStore,
  before: number,
  signer: Signer,
  nodes?: readonly string[],
  witness?: CheckpointWitness,
  keep?: KeepFrom,
): Promise<PurgeResult[]> {
  const out: PurgeResult[] = [];
  for (const node of nodes ?? (await store.nodes())) {
    const seq = await cutAt(store, node, before, keep);
    if (seq === undefined) continue;
    const last = await store.get(node, seq);
    if (!last) continue;
    if (recordHash(last) !== last.hash) throw new HedgeError(ErrorCodes.AUDIT_TAMPERED, `record ${node}#${seq} does not match its hash; run "hedge audit verify" before purging`);
    const base = { node, seq, hash: last.hash, time: Date.now(), kind: 'purge' as const, detail: JSON.stringify({ before: new Date(before).toISOString() }) };
    const anchor: Checkpoint = { ...base, keyId: signer.keyId, signature: signer.sign(checkpointMessage(base)) };
    const removed = await store.purge(anchor);
    witness?.witness(anchor);
    out.push({ node, removed, throughSeq: seq });
  }
  return out;
}

/** Runs the configured retention once a day (and shortly after start). Returns a stop function. */
export function scheduleRetention(run: () => Promise<void>, firstDelayMs = 60_000): () => void {
  const day = 86_400_000;
  const first = setTimeout(() => void run(), firstDelayMs);
  const every = setInterval(() => void run(), day);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
