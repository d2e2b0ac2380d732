// Verifying the whole store, chain by chain, in pages (constant memory). The
// walk stops at the first record that was changed, removed, inserted or
// reordered and names it. Checkpoints are checked twice: their signature (the
// gateway key) and that the record they sign is still the one in the store —
// which catches a forger who rewrote a chain and recomputed every hash.
import { checkpointMessage, GENESIS, recordHash, type AuditRecord, type Checkpoint } from './record.js';
import type { AuditStore } from './store.js';
import type { SignatureVerifier } from './keys.js';
import { lastCheckpointBefore, RESUME_TYPE, unsignedBeforeRestart, type UnsignedBeforeRestart } from './restart.js';

/** `truncated` and `witness` come from the witness check (witness-check.ts, `--witness`). */
export type ProblemKind = 'changed' | 'removed' | 'inserted' | 'reordered' | 'checkpoint' | 'truncated' | 'witness';

export interface VerifyProblem {
  kind: ProblemKind;
  node: string;
  seq: number;
  message: string;
}

export interface ChainSummary {
  node: string;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Records purged before the first remaining one (from the purge anchor). */
  purgedThrough: number | null;
  checkpoints: number;
  lastSignedSeq: number | null;
  /** Records after the last signed checkpoint: intact so far, signed at the next checkpoint. */
  unsealed: number;
  /**
   * Records no checkpoint covered when the gateway stopped uncleanly, which its
   * restart took as found (its `resume` record): later checkpoints seal them
   * against changes since, but nothing attests they are what was written.
   */
  unsignedBeforeRestart: UnsignedBeforeRestart[];
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  chains: ChainSummary[];
  signaturesChecked: boolean;
  problem?: VerifyProblem;
}

export interface VerifyOptions {
  /** Checks checkpoint signatures when given. */
  verifier?: SignatureVerifier | undefined;
  pageSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const SEARCH = 1024;

export async function verifyStore(store: AuditStore, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 5000;
  const total = await store.count();
  const chains: ChainSummary[] = [];
  let done = 0;
  const fail = (problem: VerifyProblem): VerifyResult => ({ ok: false, records: done, chains, signaturesChecked: opts.verifier !== undefined, problem });

  for (const node of await store.nodes()) {
    const cps = await store.checkpoints(node);
    const sum: ChainSummary = {
      node,
      records: 0,
      firstSeq: null,
      lastSeq: null,
      purgedThrough: null,
      checkpoints: cps.length,
      lastSignedSeq: null,
      unsealed: 0,
      unsignedBeforeRestart: [],
    };
    chains.push(sum);
    const bad = opts.verifier ? cps.find((c) => !checkpointSignatureValid(c, opts.verifier!)) : undefined;
    if (bad)
      return fail({
        kind: 'checkpoint',
        node,
        seq: bad.seq,
        message: `checkpoint ${node}#${bad.seq} (${bad.kind}) has no valid signature by the gateway key (signed by ${bad.keyId}; known: ${opts.verifier!.describe})`,
      });
    let anchor: Checkpoint | undefined;
    for (const c of cps) if (c.kind === 'purge' && (!anchor || c.seq > anchor.seq)) anchor = c;
    const signed = new Map<number, Checkpoint>();
    for (const c of cps) if (c.kind !== 'purge') signed.set(c.seq, c);
    sum.purgedThrough = anchor?.seq ?? null;

    let prev = { seq: anchor?.seq ?? 0, hash: anchor?.hash ?? GENESIS, prevHash: '' };
    const recent = new Map<string, number>(); // hash → seq of recent records, to recognise a record moved backwards
    const signedTimes = new Map<number, number>(); // seq → time of the records checkpoints cover, for the resume records after them
    let after = prev.seq;
    const rebase = (a: Checkpoint) => {
      done -= sum.records;
      Object.assign(sum, { records: 0, firstSeq: null, lastSeq: null, purgedThrough: a.seq });
      anchor = a;
      prev = { seq: a.seq, hash: a.hash, prevHash: '' };
    };
    while (true) {
      const page = await store.page(node, after, pageSize);
      if (page.length === 0) break;
      for (const r of page) {
        // Retention purged past the records read so far (after this node's checkpoints were read, or between
        // pages): the chain now starts at a newer anchor, which `r` must continue.
        if (r.seq > prev.seq + 1) {
          const a = await anchorNow(store, node, opts.verifier);
          if (a && a.seq > prev.seq && a.seq === r.seq - 1 && a.hash === r.prevHash) rebase(a);
        }
        const p = check(r, prev, recent);
        if (p) return fail(p);
        const cp = signed.get(r.seq);
        if (cp && cp.hash !== r.hash)
          return fail({
            kind: 'changed',
            node,
            seq: r.seq,
            message: `record ${node}#${r.seq} is not the record the checkpoint signed (the chain was rewritten from here or earlier)`,
          });
        if (cp) signedTimes.set(r.seq, r.time);
        if (r.type === RESUME_TYPE) {
          // Any checkpoint before it counts as the end of the signed part (a resume checkpoint signed only its own record).
          const before = lastCheckpointBefore(cps, r.seq);
          const u = unsignedBeforeRestart(r, before && { seq: before.seq, time: signedTimes.get(before.seq) ?? null });
          if (u) sum.unsignedBeforeRestart.push(u);
        }
        if (sum.firstSeq === null) sum.firstSeq = r.seq;
        sum.lastSeq = r.seq;
        sum.records++;
        done++;
        recent.set(r.hash, r.seq);
        if (recent.size > SEARCH) recent.delete(recent.keys().next().value!);
        prev = { seq: r.seq, hash: r.hash, prevHash: r.prevHash };
      }
      after = page[page.length - 1]!.seq;
      opts.onProgress?.(done, total);
    }
    const lastSigned = [...signed.values()].reduce<number | null>((m, c) => (m === null || c.seq > m ? c.seq : m), null);
    let top = sum.lastSeq ?? anchor?.seq ?? 0;
    if (lastSigned !== null && lastSigned > top) {
      // Before calling the end removed: retention may have purged every record past those read, meanwhile.
      const a = await anchorNow(store, node, opts.verifier);
      if (a && a.seq > top) {
        rebase(a);
        top = a.seq;
      }
    }
    sum.lastSignedSeq = lastSigned !== null && (anchor === undefined || lastSigned > anchor.seq) ? lastSigned : (anchor?.seq ?? null);
    if (lastSigned !== null && lastSigned > top)
      return fail({
        kind: 'removed',
        node,
        seq: top + 1,
        message: `records ${node}#${top + 1}…#${lastSigned} were removed (a signed checkpoint covers #${lastSigned}; the chain ends at #${top})`,
      });
    sum.unsealed = sum.lastSeq === null ? 0 : sum.lastSeq - (sum.lastSignedSeq ?? 0);
  }
  return { ok: true, records: done, chains, signaturesChecked: opts.verifier !== undefined };
}

function check(r: AuditRecord, prev: { seq: number; hash: string; prevHash: string }, recent: Map<string, number>): VerifyProblem | undefined {
  const node = r.node;
  if (recordHash(r) !== r.hash) {
    const writtenAs = findWrittenSeq(r);
    if (writtenAs === undefined) return { kind: 'changed', node, seq: r.seq, message: `record ${node}#${r.seq} was changed (its content does not match its hash)` };
    if (writtenAs === r.seq - 1 && r.prevHash === prev.prevHash)
      return {
        kind: 'inserted',
        node,
        seq: prev.seq,
        message: `record ${node}#${prev.seq} was inserted (the record now at #${r.seq} was written as #${writtenAs} and chains to #${prev.seq - 1})`,
      };
    return { kind: 'reordered', node, seq: r.seq, message: `record ${node}#${r.seq} is out of place: it was written as #${writtenAs} (records were reordered)` };
  }
  if (r.seq > prev.seq + 1) {
    const what = r.seq - 1 === prev.seq + 1 ? `record ${node}#${prev.seq + 1} was` : `records ${node}#${prev.seq + 1}…#${r.seq - 1} were`;
    return { kind: 'removed', node, seq: prev.seq + 1, message: `${what} removed (the chain jumps from #${prev.seq} to #${r.seq})` };
  }
  if (r.prevHash !== prev.hash) {
    if (prev.prevHash !== '' && r.prevHash === prev.prevHash)
      return { kind: 'inserted', node, seq: prev.seq, message: `record ${node}#${prev.seq} was inserted (#${r.seq} chains to #${prev.seq - 1})` };
    const earlier = recent.get(r.prevHash);
    if (earlier !== undefined)
      return { kind: 'reordered', node, seq: r.seq, message: `record ${node}#${r.seq} is out of place: it chains to #${earlier}, not #${prev.seq} (records were reordered)` };
    return { kind: 'inserted', node, seq: r.seq, message: `record ${node}#${r.seq} does not chain to #${prev.seq} (a record was inserted or replaced here)` };
  }
  return undefined;
}

/** For a record whose hash fails: the seq it hashes correctly under, if it was moved. */
function findWrittenSeq(r: AuditRecord): number | undefined {
  for (let d = 1; d <= SEARCH; d++) {
    for (const s of [r.seq - d, r.seq + d]) if (s > 0 && recordHash({ ...r, seq: s }) === r.hash) return s;
  }
  return undefined;
}

/**
 * The node's newest purge anchor as the store holds it now (signed by the
 * gateway key, when signatures are checked): a purge that committed while the
 * chain was being read.
 */
async function anchorNow(store: AuditStore, node: string, verifier: SignatureVerifier | undefined): Promise<Checkpoint | undefined> {
  let a: Checkpoint | undefined;
  for (const c of await store.checkpoints(node)) if (c.kind === 'purge' && (!a || c.seq > a.seq) && (!verifier || checkpointSignatureValid(c, verifier))) a = c;
  return a;
}

/** Whether the gateway key signed this checkpoint (the store's, or a witness line). */
export function checkpointSignatureValid(c: Checkpoint, v: SignatureVerifier): boolean {
  try {
    return v.verify(c.keyId, checkpointMessage(c), c.signature);
  } catch {
    return false;
  }
}
