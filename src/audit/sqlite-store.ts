// The embedded audit store: one SQLite file in WAL mode with synchronous=FULL,
// so a committed transaction (one group of records) has been fsynced before
// the requests it covers are forwarded.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { GENESIS, type AuditRecord, type Checkpoint } from './record.js';
import { ChainDiscontinuityError, type AuditStore, type ChainHead, type ScanCursor, type ScanFilter } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_records (
  node TEXT NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL, type TEXT NOT NULL,
  request_id TEXT, partner TEXT, host TEXT, policy_version TEXT,
  subject_ref TEXT, subject_sealed TEXT, detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (node, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_records_type_time ON audit_records (type, time, node, seq);
CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (subject_ref, type, time, node, seq) WHERE subject_ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  node TEXT NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL, kind TEXT NOT NULL,
  hash TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL, detail TEXT NOT NULL,
  PRIMARY KEY (node, seq, kind)
) WITHOUT ROWID;
`;

const COLS = 'node, seq, time, type, request_id, partner, host, policy_version, subject_ref, subject_sealed, detail, prev_hash, hash';

interface Row {
  node: string;
  seq: number;
  time: number;
  type: string;
  request_id: string | null;
  partner: string | null;
  host: string | null;
  policy_version: string | null;
  subject_ref: string | null;
  subject_sealed: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

interface CpRow {
  node: string;
  seq: number;
  time: number;
  kind: Checkpoint['kind'];
  hash: string;
  key_id: string;
  signature: string;
  detail: string;
}

export interface SqliteOptions {
  /** How long a commit waits for another writer's lock before failing (ms). */
  busyTimeoutMs?: number;
}

export class SqliteAuditStore implements AuditStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertCp: Database.Statement;
  private readonly headRecord: Database.Statement;
  private readonly headAnchor: Database.Statement;
  private readonly appendTx: Database.Transaction<(records: readonly AuditRecord[], cp: Checkpoint | undefined) => void>;

  constructor(
    readonly file: string,
    opts: SqliteOptions = {},
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: opts.busyTimeoutMs ?? 50 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare(
      // Positional parameters: binding by name looks each one up on the record, ~10 % of an insert's CPU.
      `INSERT INTO audit_records (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertCp = this.db.prepare(
      'INSERT INTO audit_checkpoints (node, seq, time, kind, hash, key_id, signature, detail) VALUES (@node, @seq, @time, @kind, @hash, @keyId, @signature, @detail) ON CONFLICT DO NOTHING',
    );
    this.headRecord = this.db.prepare('SELECT seq, hash FROM audit_records WHERE node = ? ORDER BY seq DESC LIMIT 1');
    this.headAnchor = this.db.prepare("SELECT seq, hash FROM audit_checkpoints WHERE node = ? AND kind = 'purge' ORDER BY seq DESC LIMIT 1");
    this.appendTx = this.db.transaction((records: readonly AuditRecord[], cp: Checkpoint | undefined) => {
      const first = records[0];
      if (first !== undefined) {
        const head = this.headOf(first.node) ?? { seq: 0, hash: GENESIS };
        if (first.seq !== head.seq + 1 || first.prevHash !== head.hash) throw new ChainDiscontinuityError(first.node, head.seq, first.seq);
      }
      for (const r of records)
        this.insert.run(r.node, r.seq, r.time, r.type, r.requestId, r.partner, r.host, r.policyVersion, r.subjectRef, r.subjectSealed, r.detail, r.prevHash, r.hash);
      if (cp) this.insertCp.run(cp);
    });
  }

  private headOf(node: string): ChainHead | undefined {
    return (this.headRecord.get(node) ?? this.headAnchor.get(node)) as ChainHead | undefined;
  }

  async init(): Promise<void> {}

  async head(node: string): Promise<ChainHead | undefined> {
    return this.headOf(node);
  }

  /** Appends in one transaction (one fsync); refused unless the records continue the node's chain as stored. */
  async append(records: readonly AuditRecord[], checkpoint?: Checkpoint): Promise<void> {
    this.appendTx.immediate(records, checkpoint);
  }

  async addCheckpoint(cp: Checkpoint): Promise<void> {
    this.insertCp.run(cp);
  }

  async nodes(): Promise<string[]> {
    const rows = this.db.prepare('SELECT node FROM audit_records UNION SELECT node FROM audit_checkpoints ORDER BY node').all() as { node: string }[];
    return rows.map((r) => r.node);
  }

  async count(node?: string): Promise<number> {
    const r = (
      node === undefined ? this.db.prepare('SELECT count(*) AS n FROM audit_records').get() : this.db.prepare('SELECT count(*) AS n FROM audit_records WHERE node = ?').get(node)
    ) as { n: number };
    return r.n;
  }

  async page(node: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = this.db.prepare(`SELECT ${COLS} FROM audit_records WHERE node = ? AND seq > ? ORDER BY seq LIMIT ?`).all(node, afterSeq, limit) as Row[];
    return rows.map(fromRow);
  }

  async get(node: string, seq: number): Promise<AuditRecord | undefined> {
    const r = this.db.prepare(`SELECT ${COLS} FROM audit_records WHERE node = ? AND seq = ?`).get(node, seq) as Row | undefined;
    return r && fromRow(r);
  }

  async checkpoints(node: string): Promise<Checkpoint[]> {
    const rows = this.db.prepare('SELECT * FROM audit_checkpoints WHERE node = ? ORDER BY seq, kind').all(node) as CpRow[];
    return rows.map(fromCpRow);
  }

  async lastCheckpoints(node: string): Promise<Checkpoint[]> {
    const rows = this.db
      .prepare('SELECT * FROM audit_checkpoints WHERE node = ? AND seq = (SELECT max(seq) FROM audit_checkpoints WHERE node = ?) ORDER BY kind')
      .all(node, node) as CpRow[];
    return rows.map(fromCpRow);
  }

  async scan(f: ScanFilter, after: ScanCursor | undefined, limit: number): Promise<AuditRecord[]> {
    const c = after ?? { time: f.from - 1, node: '\uffff', seq: Number.MAX_SAFE_INTEGER };
    const rows = this.db
      .prepare(
        `SELECT ${COLS} FROM audit_records WHERE ${f.subjectRef !== undefined ? 'subject_ref = ? AND ' : ''}type = ? AND time >= ? AND time < ? AND (time, node, seq) > (?, ?, ?) ${f.partner !== undefined ? 'AND partner = ?' : ''} ORDER BY time, node, seq LIMIT ?`,
      )
      .all(
        ...(f.subjectRef !== undefined ? [f.subjectRef] : []),
        f.type ?? 'disclosure',
        f.from,
        f.to,
        c.time,
        c.node,
        c.seq,
        ...(f.partner !== undefined ? [f.partner] : []),
        limit,
      ) as Row[];
    return rows.map(fromRow);
  }

  async lastSeqBefore(node: string, before: number): Promise<number | undefined> {
    const r = this.db.prepare('SELECT max(seq) AS s FROM audit_records WHERE node = ? AND time < ?').get(node, before) as { s: number | null };
    return r.s ?? undefined;
  }

  async purge(anchor: Checkpoint): Promise<number> {
    return this.db
      .transaction(() => {
        const removed = this.db.prepare('DELETE FROM audit_records WHERE node = ? AND seq <= ?').run(anchor.node, anchor.seq).changes;
        this.db.prepare('DELETE FROM audit_checkpoints WHERE node = ? AND seq <= ?').run(anchor.node, anchor.seq);
        this.insertCp.run(anchor);
        return removed;
      })
      .immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function fromRow(r: Row): AuditRecord {
  return {
    node: r.node,
    seq: Number(r.seq),
    time: Number(r.time),
    type: r.type,
    requestId: r.request_id,
    partner: r.partner,
    host: r.host,
    policyVersion: r.policy_version,
    subjectRef: r.subject_ref,
    subjectSealed: r.subject_sealed,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function fromCpRow(r: CpRow): Checkpoint {
  return { node: r.node, seq: Number(r.seq), time: Number(r.time), kind: r.kind, hash: r.hash, keyId: r.key_id, signature: r.signature, detail: r.detail };
}
