// The gateway's SQLite audit store: the same store, run in a worker thread
// (sqlite-worker.ts) so a commit's fsync or a wait on another process's lock
// never blocks request handling. Calls are messages; records are copied once.
import { Worker } from 'node:worker_threads';
import type { AuditRecord, Checkpoint } from './record.js';
import type { AuditStore, ChainHead, ScanCursor, ScanFilter } from './store.js';
import type { SqliteOptions } from './sqlite-store.js';

// Loads the worker module; under the test runner (TypeScript sources) tsx's loader is registered in the worker first.
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.target);
})().catch((e) => parentPort.postMessage({ id: -1, error: { code: 'WORKER', message: String(e && e.message || e) } }));
`;

export class SqliteThreadStore implements AuditStore {
  readonly kind = 'sqlite' as const;
  private worker: Worker | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    readonly file: string,
    private readonly opts: SqliteOptions = {},
  ) {}

  private spawn(): Worker {
    const target = new URL(import.meta.url.endsWith('.ts') ? './sqlite-worker.ts' : './sqlite-worker.js', import.meta.url).href;
    const tsx = target.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : undefined;
    const w = new Worker(BOOT, { eval: true, workerData: { target, tsx, file: this.file, busyTimeoutMs: this.opts.busyTimeoutMs } });
    w.unref();
    w.on('message', (m: { id: number; result?: unknown; error?: { code: string; message: string } }) => {
      if (m.id === -1) return this.fail(m.error!);
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else p.resolve(m.result);
    });
    const gone = (err?: Error) => {
      if (this.worker === w) this.worker = undefined;
      this.fail({ code: 'WORKER_EXIT', message: err?.message ?? 'the audit store worker exited' });
    };
    w.on('error', gone);
    w.on('exit', () => gone());
    return w;
  }

  private fail(e: { code: string; message: string }): void {
    for (const p of this.waiting.values()) p.reject(Object.assign(new Error(e.message), { code: e.code }));
    this.waiting.clear();
  }

  private call<T>(op: string, ...args: unknown[]): Promise<T> {
    this.worker ??= this.spawn();
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.postMessage({ id, op, args });
    });
  }

  init(): Promise<void> {
    return this.call('init');
  }
  head(node: string): Promise<ChainHead | undefined> {
    return this.call('head', node);
  }
  append(records: readonly AuditRecord[], checkpoint?: Checkpoint): Promise<void> {
    return this.call('append', records, checkpoint);
  }
  addCheckpoint(cp: Checkpoint): Promise<void> {
    return this.call('addCheckpoint', cp);
  }
  nodes(): Promise<string[]> {
    return this.call('nodes');
  }
  count(node?: string): Promise<number> {
    return this.call('count', node);
  }
  page(node: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return this.call('page', node, afterSeq, limit);
  }
  checkpoints(node: string): Promise<Checkpoint[]> {
    return this.call('checkpoints', node);
  }
  lastCheckpoints(node: string): Promise<Checkpoint[]> {
    return this.call('lastCheckpoints', node);
  }
  scan(filter: ScanFilter, after: ScanCursor | undefined, limit: number): Promise<AuditRecord[]> {
    return this.call('scan', filter, after, limit);
  }
  lastSeqBefore(node: string, before: number): Promise<number | undefined> {
    return this.call('lastSeqBefore', node, before);
  }
  purge(anchor: Checkpoint): Promise<number> {
    return this.call('purge', anchor);
  }
  get(node: string, seq: number): Promise<AuditRecord | undefined> {
    return this.call('get', node, seq);
  }
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    await this.call('close').catch(() => undefined);
    this.worker = undefined;
    await w.terminate();
  }
}
