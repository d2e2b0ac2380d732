// A worker's view of the memory store under `--workers`: a local replica for
// lookups (synchronous, no IPC on the request path), kept in step by the
// primary's BindingHub. Changes are sent to the primary, which applies them
// everywhere before answering, so a change made through one worker is visible
// in every worker by the time the caller hears it succeeded.
import { MemoryBindingStore } from '../identity/memory-store.js';
import type { BindingRecord, BindingStore, SessionWrite } from '../identity/store.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { isHedgeMessage, type PrimaryToWorker, type StoreOp, type WorkerToPrimary } from './protocol.js';

export class ClusterReplicaStore implements BindingStore {
  readonly kind = 'memory';
  /** A binding a lookup here finds outranked by a covering one (memory-store.ts unlessOutranked) is dropped here and removed by the primary, which owns the bindings. */
  private readonly local = new MemoryBindingStore(Date.now, (stale) => this.outranked(stale));
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private nextId = 1;
  private readonly readyP: Promise<void>;
  private markReady!: () => void;
  private readonly onMessage = (m: unknown) => {
    if (isHedgeMessage(m)) this.handle(m as PrimaryToWorker);
  };

  constructor() {
    if (!process.send) throw new Error('ClusterReplicaStore runs only in a cluster worker');
    this.readyP = new Promise((r) => (this.markReady = r));
    process.on('message', this.onMessage);
    this.send({ t: 'hedge:bind-hello' });
  }

  /** Resolves once the primary's snapshot is loaded; a worker serves only after this. */
  ready(): Promise<void> {
    return this.readyP;
  }

  lookup(ip: string): Subscriber | undefined {
    return this.local.lookup(ip);
  }
  find(address: string): BindingRecord | undefined {
    return this.local.find(address);
  }
  get(key: string): BindingRecord | undefined {
    return this.local.get(key);
  }
  list(): BindingRecord[] {
    return this.local.list();
  }
  size(): number {
    return this.local.size();
  }

  set(r: BindingRecord): Promise<void> {
    return this.request('set', [r]) as Promise<void>;
  }
  remove(ip: string): Promise<boolean> {
    return this.request('remove', [ip]) as Promise<boolean>;
  }
  bind(r: BindingRecord, supersedes?: number): Promise<SessionWrite> {
    return this.request('bind', [r, supersedes]) as Promise<SessionWrite>;
  }
  endSession(nas: string, sessionId: string, keys: string[], forMs?: number): Promise<void> {
    return this.request('endSession', [nas, sessionId, keys, forMs]) as Promise<void>;
  }
  refresh(r: BindingRecord, supersedes?: number): Promise<SessionWrite> {
    return this.request('refresh', [r, supersedes]) as Promise<SessionWrite>;
  }
  removeIfSession(ip: string, sessionId: string, nas: string): Promise<boolean> {
    return this.request('removeIfSession', [ip, sessionId, nas]) as Promise<boolean>;
  }
  removeByNas(nas: string, notAfter: number): Promise<number> {
    return this.request('removeByNas', [nas, notAfter]) as Promise<number>;
  }

  private outranked(stale: BindingRecord): void {
    if (stale.sessionId === undefined || stale.eventAt === undefined) return;
    this.local.remove(stale.ip); // asked once: the primary's removal reaches every replica
    this.request('removeOutranked', [stale.ip, stale.sessionId, stale.nas ?? null, stale.eventAt]).catch(() => undefined); // a primary going away: it resyncs us
  }

  close(): void {
    process.off('message', this.onMessage);
    this.local.close();
    for (const p of this.pending.values()) p.reject(new HedgeError(ErrorCodes.BINDING_STORE_UNAVAILABLE, 'worker shutting down'));
    this.pending.clear();
  }

  private request(op: StoreOp, args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.send({ t: 'hedge:bind-op', id, op, args })) {
        this.pending.delete(id);
        reject(new HedgeError(ErrorCodes.BINDING_STORE_UNAVAILABLE, 'the cluster primary is not reachable'));
      }
    });
  }

  private handle(m: PrimaryToWorker): void {
    switch (m.t) {
      case 'hedge:bind-snapshot':
        for (const b of this.local.list()) this.local.remove(b.ip);
        for (const r of m.records) this.local.set(r);
        this.markReady();
        return;
      case 'hedge:bind-apply':
        for (const e of m.effects) {
          if ('set' in e) this.local.set(e.set);
          else this.local.remove(e.del);
        }
        this.send({ t: 'hedge:bind-ack', seq: m.seq });
        return;
      case 'hedge:bind-result': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new HedgeError(m.error.code === ErrorCodes.BINDING_INVALID ? ErrorCodes.BINDING_INVALID : ErrorCodes.BINDING_STORE_UNAVAILABLE, m.error.message));
        else p.resolve(m.result);
        return;
      }
    }
  }

  private send(m: WorkerToPrimary): boolean {
    if (!process.send || !process.connected) return false;
    process.send(m);
    return true;
  }
}
