// The audit store for several gateway nodes: one PostgreSQL database, each
// node appending only to its own chain (primary key (node, seq)), so nodes
// never wait on each other. A commit is one INSERT of the whole group, one
// statement and so one transaction (synchronous_commit: the WAL is flushed
// before it returns).
import pg from 'pg';
import { GENESIS, type AuditRecord, type Checkpoint } from './record.js';
import { ChainDiscontinuityError, type AuditStore, type ChainHead, type ScanCursor, type ScanFilter } from './store.js';

export interface PostgresOptions {
  /** Schema holding the audit tables (created if missing). */
  schema?: string;
  /** A statement (a commit) that takes longer fails (ms). */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const COLS = 'node, seq, time, type, request_id, partner, host, policy_version, subject_ref, subject_sealed, detail, prev_hash, hash';

export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly t: string;
  private readonly c: string;
  /** The append statements (see append), without and with a checkpoint: fixed per schema. */
  private readonly appendSql: string;
  private readonly appendWithCheckpointSql: string;

  constructor(
    url: string,
    readonly opts: PostgresOptions = {},
  ) {
    const schema = opts.schema ?? 'hedge_audit';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`audit schema "${schema}": lower-case letters, digits and "_" only`);
    this.t = `${schema}.audit_records`;
    this.c = `${schema}.audit_checkpoints`;
    // $14 node, $15 the first record's seq, $16 its prev_hash.
    const continues = `(EXISTS (SELECT 1 FROM ${this.t} WHERE node = $14 AND seq = $15::bigint - 1 AND hash = $16)
      OR EXISTS (SELECT 1 FROM ${this.c} WHERE node = $14 AND kind = 'purge' AND seq = $15::bigint - 1 AND hash = $16)
      OR ($15::bigint = 1 AND $16 = '${GENESIS}' AND NOT EXISTS (SELECT 1 FROM ${this.t} WHERE node = $14) AND NOT EXISTS (SELECT 1 FROM ${this.c} WHERE node = $14 AND kind = 'purge')))`;
    const insert = `INSERT INTO ${this.t} (${COLS}) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) WHERE ${continues} RETURNING 1`;
    this.appendSql = `WITH appended AS (${insert}) SELECT count(*)::int AS n FROM appended`;
    this.appendWithCheckpointSql = `WITH appended AS (${insert}), signed AS (
        INSERT INTO ${this.c} (node, seq, time, kind, hash, key_id, signature, detail)
        SELECT $17::text, $18::bigint, $19::bigint, $20::text, $21::text, $22::text, $23::text, $24::text WHERE EXISTS (SELECT 1 FROM appended)
        ON CONFLICT DO NOTHING)
        SELECT count(*)::int AS n FROM appended`;
    const timeout = opts.statementTimeoutMs ?? 2000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
      statement_timeout: timeout,
      query_timeout: timeout + 500,
      idleTimeoutMillis: 30_000,
      application_name: 'hedge-audit',
    });
    // A dropped connection must not crash the gateway; the next commit fails and is counted.
    this.pool.on('error', () => {});
  }

  get schema(): string {
    return this.opts.schema ?? 'hedge_audit';
  }

  async init(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.t} (
      node TEXT NOT NULL, seq BIGINT NOT NULL, time BIGINT NOT NULL, type TEXT NOT NULL,
      request_id TEXT, partner TEXT, host TEXT, policy_version TEXT,
      subject_ref TEXT, subject_sealed TEXT, detail TEXT NOT NULL,
      prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
      PRIMARY KEY (node, seq))`);
    await this.pool.query(`CREATE INDEX IF NOT EXISTS audit_records_type_time ON ${this.t} (type, time, node, seq)`);
    await this.pool.query(`CREATE INDEX IF NOT EXISTS audit_records_subject ON ${this.t} (subject_ref, type, time, node, seq) WHERE subject_ref IS NOT NULL`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.c} (
      node TEXT NOT NULL, seq BIGINT NOT NULL, time BIGINT NOT NULL, kind TEXT NOT NULL,
      hash TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL, detail TEXT NOT NULL,
      PRIMARY KEY (node, seq, kind))`);
  }

  async head(node: string): Promise<ChainHead | undefined> {
    const r = await this.pool.query(`SELECT seq, hash FROM ${this.t} WHERE node = $1 ORDER BY seq DESC LIMIT 1`, [node]);
    if (r.rows[0]) return { seq: Number(r.rows[0].seq), hash: r.rows[0].hash };
    const a = await this.pool.query(`SELECT seq, hash FROM ${this.c} WHERE node = $1 AND kind = 'purge' ORDER BY seq DESC LIMIT 1`, [node]);
    return a.rows[0] ? { seq: Number(a.rows[0].seq), hash: a.rows[0].hash } : undefined;
  }

  /**
   * One statement, so one round trip and one transaction (autocommit): the
   * records, and the checkpoint that signs them, inserted only when the first
   * record continues the node's chain as stored (the record or purge anchor
   * before it, by seq and hash; or a new chain). Otherwise nothing is stored
   * and the append is refused with a ChainDiscontinuityError. Each round trip
   * of a commit waits for the gateway's event loop to read its answer, and
   * every request of the batch waits for the commit: BEGIN / INSERT / COMMIT
   * cost three.
   */
  async append(records: readonly AuditRecord[], checkpoint?: Checkpoint): Promise<void> {
    const first = records[0];
    if (first === undefined) {
      if (checkpoint) await this.insertCheckpoint(this.pool, checkpoint);
      return;
    }
    const cols: unknown[][] = Array.from({ length: 13 }, () => []);
    for (const r of records) {
      const v = [r.node, r.seq, r.time, r.type, r.requestId, r.partner, r.host, r.policyVersion, r.subjectRef, r.subjectSealed, r.detail, r.prevHash, r.hash];
      for (let i = 0; i < 13; i++) cols[i]!.push(v[i]);
    }
    const values: unknown[] = [...cols, first.node, first.seq, first.prevHash];
    const cp = checkpoint;
    if (cp) values.push(cp.node, cp.seq, cp.time, cp.kind, cp.hash, cp.keyId, cp.signature, cp.detail);
    const text = cp ? this.appendWithCheckpointSql : this.appendSql;
    const r = await this.pool.query({ name: `hedge-audit-append${cp ? '-cp' : ''}-${this.schema}`, text, values });
    if (r.rows[0]?.n !== records.length) {
      const head = await this.head(first.node);
      throw new ChainDiscontinuityError(first.node, head?.seq ?? 0, first.seq);
    }
  }

  private insertCheckpoint(q: pg.ClientBase | pg.Pool, cp: Checkpoint) {
    return q.query(`INSERT INTO ${this.c} (node, seq, time, kind, hash, key_id, signature, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING`, [
      cp.node,
      cp.seq,
      cp.time,
      cp.kind,
      cp.hash,
      cp.keyId,
      cp.signature,
      cp.detail,
    ]);
  }

  async addCheckpoint(cp: Checkpoint): Promise<void> {
    await this.insertCheckpoint(this.pool, cp);
  }

  async nodes(): Promise<string[]> {
    const r = await this.pool.query(`SELECT node FROM ${this.t} UNION SELECT node FROM ${this.c} ORDER BY node`);
    return r.rows.map((x: { node: string }) => x.node);
  }

  async count(node?: string): Promise<number> {
    const r =
      node === undefined ? await this.pool.query(`SELECT count(*) AS n FROM ${this.t}`) : await this.pool.query(`SELECT count(*) AS n FROM ${this.t} WHERE node = $1`, [node]);
    return Number(r.rows[0].n);
  }

  async page(node: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const r = await this.pool.query(`SELECT ${COLS} FROM ${this.t} WHERE node = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [node, afterSeq, limit]);
    return r.rows.map(fromRow);
  }

  async get(node: string, seq: number): Promise<AuditRecord | undefined> {
    const r = await this.pool.query(`SELECT ${COLS} FROM ${this.t} WHERE node = $1 AND seq = $2`, [node, seq]);
    return r.rows[0] ? fromRow(r.rows[0]) : undefined;
  }

  async checkpoints(node: string): Promise<Checkpoint[]> {
    const r = await this.pool.query(`SELECT * FROM ${this.c} WHERE node = $1 ORDER BY seq, kind`, [node]);
    return r.rows.map(fromCpRow);
  }

  async lastCheckpoints(node: string): Promise<Checkpoint[]> {
    const r = await this.pool.query(`SELECT * FROM ${this.c} WHERE node = $1 AND seq = (SELECT max(seq) FROM ${this.c} WHERE node = $1) ORDER BY kind`, [node]);
    return r.rows.map(fromCpRow);
  }

  async scan(f: ScanFilter, after: ScanCursor | undefined, limit: number): Promise<AuditRecord[]> {
    const c = after ?? { time: f.from - 1, node: '\uffff', seq: Number.MAX_SAFE_INTEGER };
    const params: unknown[] = [f.type ?? 'disclosure', f.from, f.to, c.time, c.node, c.seq, limit];
    let extra = '';
    if (f.partner !== undefined) {
      params.push(f.partner);
      extra = `AND partner = $${params.length}`;
    }
    if (f.subjectRef !== undefined) {
      params.push(f.subjectRef);
      extra += ` AND subject_ref = $${params.length}`;
    }
    const r = await this.pool.query(
      `SELECT ${COLS} FROM ${this.t} WHERE type = $1 AND time >= $2 AND time < $3 AND (time, node COLLATE "C", seq) > ($4, $5 COLLATE "C", $6) ${extra} ORDER BY time, node COLLATE "C", seq LIMIT $7`,
      params,
    );
    return r.rows.map(fromRow);
  }

  async lastSeqBefore(node: string, before: number): Promise<number | undefined> {
    const r = await this.pool.query(`SELECT max(seq) AS s FROM ${this.t} WHERE node = $1 AND time < $2`, [node, before]);
    return r.rows[0].s === null ? undefined : Number(r.rows[0].s);
  }

  async purge(anchor: Checkpoint): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Two nodes applying retention at once take turns per chain.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hedge-audit-purge:${anchor.node}`]);
      const d = await client.query(`DELETE FROM ${this.t} WHERE node = $1 AND seq <= $2`, [anchor.node, anchor.seq]);
      await client.query(`DELETE FROM ${this.c} WHERE node = $1 AND seq <= $2`, [anchor.node, anchor.seq]);
      await this.insertCheckpoint(client, anchor);
      await client.query('COMMIT');
      return d.rowCount ?? 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

function fromCpRow(x: Record<string, string>): Checkpoint {
  return {
    node: x.node!,
    seq: Number(x.seq),
    time: Number(x.time),
    kind: x.kind as Checkpoint['kind'],
    hash: x.hash!,
    keyId: x.key_id!,
    signature: x.signature!,
    detail: x.detail!,
  };
}

function fromRow(r: Record<string, string | null>): AuditRecord {
  return {
    node: r.node!,
    seq: Number(r.seq),
    time: Number(r.time),
    type: r.type!,
    requestId: r.request_id ?? null,
    partner: r.partner ?? null,
    host: r.host ?? null,
    policyVersion: r.policy_version ?? null,
    subjectRef: r.subject_ref ?? null,
    subjectSealed: r.subject_sealed ?? null,
    detail: r.detail!,
    prevHash: r.prev_hash!,
    hash: r.hash!,
  };
}
