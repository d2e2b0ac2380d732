// The audit store interface. Two implementations: SQLite (embedded default,
// WAL, one file) and PostgreSQL (several nodes, one database; each node its
// own chain, so writers never contend for a global lock).
import type { AuditRecord, Checkpoint } from './record.js';

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Keyset position for scanning disclosures in time order. */
export interface ScanCursor {
  time: number;
  node: string;
  seq: number;
}

export interface ScanFilter {
  from: number;
  to: number;
  type?: string;
  partner?: string;
  /** One subscriber's records (their keyed reference): served by an index, for the subscriber's own page. */
  subjectRef?: string;
}

export interface AuditStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates tables if missing. */
  init(): Promise<void>;
  /** The node's chain head: its last record, or its latest purge anchor, or undefined for a new chain. */
  head(node: string): Promise<ChainHead | undefined>;
  /** Appends records (already chained) and optionally a checkpoint in one durable transaction. */
  append(records: readonly AuditRecord[], checkpoint?: Checkpoint): Promise<void>;
  addCheckpoint(cp: Checkpoint): Promise<void>;
  nodes(): Promise<string[]>;
  count(node?: string): Promise<number>;
  /** Records of one node with seq > afterSeq, in seq order. */
  page(node: string, afterSeq: number, limit: number): Promise<AuditRecord[]>;
  checkpoints(node: string): Promise<Checkpoint[]>;
  /** The node's checkpoints at the highest seq any of them has (several kinds may share it); empty when none. */
  lastCheckpoints(node: string): Promise<Checkpoint[]>;
  /** Records in [from, to) ordered by (time, node, seq), after the cursor. */
  scan(filter: ScanFilter, after: ScanCursor | undefined, limit: number): Promise<AuditRecord[]>;
  /** Highest seq of the node's records with time < before (undefined when none). */
  lastSeqBefore(node: string, before: number): Promise<number | undefined>;
  /** In one transaction: delete the node's records up to anchor.seq and older checkpoints, insert the anchor. Returns records removed. */
  purge(anchor: Checkpoint): Promise<number>;
  /** The record at seq, if present. */
  get(node: string, seq: number): Promise<AuditRecord | undefined>;
  close(): Promise<void>;
}

/**
 * An append that does not continue its node's chain as stored: chained from
 * records that never committed, or from a head another writer has moved (two
 * gateways configured with one node name). Storing it would leave a gap or a
 * fork that verification reports as tampering; refusing it makes the writer
 * re-read the head (audit-log.ts).
 */
export class ChainDiscontinuityError extends Error {
  readonly code = 'CHAIN_DISCONTINUITY';
  constructor(node: string, headSeq: number, firstSeq: number) {
    super(`audit append for node "${node}" starts at seq ${firstSeq} but the stored chain ends at seq ${headSeq}`);
    this.name = 'ChainDiscontinuityError';
  }
}
