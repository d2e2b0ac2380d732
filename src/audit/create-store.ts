// Opening the audit store named in the config: "sqlite:PATH" (embedded
// default) or a postgres:// URL (several nodes, one database).
import { isAbsolute, resolve } from 'node:path';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { AuditStore } from './store.js';
import { SqliteAuditStore } from './sqlite-store.js';
import { SqliteThreadStore } from './sqlite-thread-store.js';
import { PostgresAuditStore } from './postgres-store.js';

export interface StoreSettings {
  store: string;
  schema?: string;
  busyTimeoutMs?: number;
  commitTimeoutMs?: number;
  /** SQLite: run the database in a worker thread (the gateway does, so commits never block requests). */
  thread?: boolean;
}

/** Opens the store; relative SQLite paths are taken from `baseDir` (the config file's folder). */
export function createAuditStore(s: StoreSettings, baseDir = process.cwd()): AuditStore {
  if (s.store.startsWith('sqlite:')) {
    const path = s.store.slice('sqlite:'.length);
    const file = path === ':memory:' || isAbsolute(path) ? path : resolve(baseDir, path);
    return s.thread ? new SqliteThreadStore(file, { busyTimeoutMs: s.busyTimeoutMs }) : new SqliteAuditStore(file, { busyTimeoutMs: s.busyTimeoutMs });
  }
  if (/^postgres(ql)?:\/\//.test(s.store)) return new PostgresAuditStore(s.store, { schema: s.schema, statementTimeoutMs: s.commitTimeoutMs });
  throw new HedgeError(ErrorCodes.AUDIT_STORE, `unsupported audit store "${s.store.replace(/\/\/[^@/]*@/, '//…@')}"; use sqlite:PATH or postgres://…`);
}
