// Audit test backends: the same suite runs against SQLite (a file in a temp
// folder) and the real PostgreSQL (test/helpers/services.ts; a schema unique
// to this run, dropped afterwards). Also: keys, config sections, raw SQL for
// tamper tests, and running the real `hedge` CLI.
import { mkdtempSync, rmSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { generateAuditKeys } from '../../src/audit/keys.js';
import { createAuditStore } from '../../src/audit/create-store.js';
import type { AuditStore } from '../../src/audit/store.js';
import { postgresService } from './services.js';
import { before, after } from 'node:test';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface AuditBackend {
  name: 'sqlite' | 'postgres';
  dir: string;
  keyFile: string;
  signingKeyFile: string;
  /** A new, empty store location: { spec, schema }. */
  fresh(): { spec: string; schema: string };
  /**
   * The `audit:` YAML section for a store location. The canary is switched off
   * (its periodic runs would add records to chains whose length tests check)
   * unless `canary: true` is given.
   */
  yaml(loc: { spec: string; schema: string }, extra?: Record<string, string | number | boolean>): string;
  open(loc: { spec: string; schema: string }): Promise<AuditStore>;
  /** Copies a store location (records + checkpoints) to a new one. */
  clone(loc: { spec: string; schema: string }): Promise<{ spec: string; schema: string }>;
  /** Runs SQL with $1.. parameters against a location; `T`/`C` in the text stand for the records/checkpoints tables. */
  sql(loc: { spec: string; schema: string }, text: string, params?: unknown[]): Promise<void>;
  /** Holds the store's write lock until release() (the "store cannot commit" fault). */
  lock(loc: { spec: string; schema: string }): Promise<{ release(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * Registers before/after hooks in the current describe() that open a backend
 * (or record why it is unavailable: a skip, or a failure under CI=true) and
 * close it; tests read `.be` and `.skip`.
 */
export function useAuditBackend(name: 'sqlite' | 'postgres'): { be: AuditBackend | undefined; skip: string | undefined } {
  const state: { be: AuditBackend | undefined; skip: string | undefined } = { be: undefined, skip: undefined };
  before(async () => {
    const b = await auditBackend(name);
    if (typeof b === 'string') state.skip = b;
    else state.be = b;
  });
  after(async () => state.be?.close());
  return state;
}

export async function auditBackend(name: 'sqlite' | 'postgres'): Promise<AuditBackend | string> {
  const dir = mkdtempSync(join(tmpdir(), `hedge-audit-${name}-`));
  const keyFile = join(dir, 'audit.key');
  const signingKeyFile = join(dir, 'signing.pem');
  generateAuditKeys(keyFile, signingKeyFile);
  const yaml = (loc: { spec: string; schema: string }, extraIn: Record<string, string | number | boolean> = {}) => {
    const { canary, ...extra } = extraIn;
    const opts: Record<string, string | number | boolean> = {
      store: loc.spec,
      schema: loc.schema,
      keyFile,
      signingKeyFile,
      batchDelayMs: 1,
      commitTimeoutMs: 3000,
      retryAfterMs: 200,
      ...extra,
    };
    return `${canary === true ? '' : '\ncanary:\n  enabled: false\n'}\naudit:\n${Object.entries(opts)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`;
  };
  let n = 0;
  if (name === 'sqlite') {
    const file = (loc: { spec: string }) => loc.spec.slice('sqlite:'.length);
    return {
      name,
      dir,
      keyFile,
      signingKeyFile,
      fresh: () => ({ spec: `sqlite:${join(dir, `audit-${++n}.db`)}`, schema: 'hedge_audit' }),
      yaml,
      async open(loc) {
        const s = createAuditStore({ store: loc.spec });
        await s.init();
        return s;
      },
      async clone(loc) {
        const to = { spec: `sqlite:${join(dir, `audit-${++n}.db`)}`, schema: 'hedge_audit' };
        const db = new Database(file(loc));
        await db.backup(file(to));
        db.close();
        return to;
      },
      async sql(loc, text, params = []) {
        const db = new Database(file(loc));
        try {
          for (const stmt of text
            .split(';')
            .map((s) => s.trim())
            .filter(Boolean)) {
            const q = stmt.replace(/\bT\b/g, 'audit_records').replace(/\bC\b/g, 'audit_checkpoints');
            const used = [...q.matchAll(/\$(\d+)/g)].map((m) => params[Number(m[1]) - 1]);
            db.prepare(q.replace(/\$\d+/g, '?')).run(...(used as never[]));
          }
        } finally {
          db.close();
        }
      },
      async lock(loc) {
        const db = new Database(file(loc));
        db.exec('BEGIN EXCLUSIVE');
        return {
          async release() {
            db.exec('ROLLBACK');
            db.close();
          },
        };
      },
      async close() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const svc = await postgresService();
  if (typeof svc === 'string') {
    rmSync(dir, { recursive: true, force: true });
    return svc;
  }
  const run = `hedge_t${process.pid}_${randomBytes(3).toString('hex')}`;
  const schemas: string[] = [];
  const admin = new pg.Client({ connectionString: svc.url });
  await admin.connect();
  const fresh = () => {
    const schema = `${run}_${++n}`;
    schemas.push(schema);
    return { spec: svc.url, schema };
  };
  return {
    name,
    dir,
    keyFile,
    signingKeyFile,
    fresh,
    yaml,
    async open(loc) {
      const s = createAuditStore({ store: loc.spec, schema: loc.schema });
      await s.init();
      return s;
    },
    async clone(loc) {
      const to = fresh();
      await admin.query(`CREATE SCHEMA ${to.schema}`);
      await admin.query(`CREATE TABLE ${to.schema}.audit_records (LIKE ${loc.schema}.audit_records INCLUDING ALL)`);
      await admin.query(`INSERT INTO ${to.schema}.audit_records SELECT * FROM ${loc.schema}.audit_records`);
      await admin.query(`CREATE TABLE ${to.schema}.audit_checkpoints (LIKE ${loc.schema}.audit_checkpoints INCLUDING ALL)`);
      await admin.query(`INSERT INTO ${to.schema}.audit_checkpoints SELECT * FROM ${loc.schema}.audit_checkpoints`);
      return to;
    },
    async sql(loc, text, params = []) {
      for (const stmt of text
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const q = stmt.replace(/\bT\b/g, `${loc.schema}.audit_records`).replace(/\bC\b/g, `${loc.schema}.audit_checkpoints`);
        const max = Math.max(0, ...[...q.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        await admin.query(q, params.slice(0, max));
      }
    },
    async lock(loc) {
      const c = new pg.Client({ connectionString: svc.url });
      await c.connect();
      await c.query('BEGIN');
      await c.query(`LOCK TABLE ${loc.schema}.audit_records IN ACCESS EXCLUSIVE MODE`);
      return {
        async release() {
          await c.query('ROLLBACK');
          await c.end();
        },
      };
    },
    async close() {
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => {});
      await admin.end();
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the real hedge CLI (through tsx); resolves with exit code and output. */
export function hedgeCli(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Writes a config file (demo yaml text + audit section) for CLI runs. */
export function writeConfig(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export { existsSync, copyFileSync };
/** The general helper (test/helpers/wait.ts), re-exported for the audit tests that import it from here. */
export { waitFor } from './wait.js';
