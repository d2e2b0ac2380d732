// Worker thread that owns the SQLite audit database: commits (and their
// fsync) and lock waits happen here, so the gateway's event loop keeps
// serving while a group commit is on disk. Messages: {id, op, args} → {id, result} | {id, error}.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditStore } from './sqlite-store.js';

const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs?: number };
let store: SqliteAuditStore | undefined;
let openError: { code: string; message: string } | undefined;
try {
  store = new SqliteAuditStore(file, { busyTimeoutMs });
} catch (err) {
  openError = { code: (err as { code?: string }).code ?? 'SQLITE_CANTOPEN', message: (err as Error).message };
}

parentPort!.on('message', (m: { id: number; op: keyof SqliteAuditStore; args: unknown[] }) => {
  if (!store) return parentPort!.postMessage({ id: m.id, error: openError });
  try {
    const fn = store[m.op] as (...a: unknown[]) => Promise<unknown>;
    fn.apply(store, m.args).then(
      (result) => parentPort!.postMessage({ id: m.id, result }),
      (err: unknown) => parentPort!.postMessage({ id: m.id, error: { code: (err as { code?: string }).code ?? 'error', message: (err as Error).message } }),
    );
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: { code: (err as { code?: string }).code ?? 'error', message: (err as Error).message } });
  }
});
