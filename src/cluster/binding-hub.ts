// The primary's side of the memory store across workers. The primary holds the
// authoritative bindings; every change (from RADIUS here, or from a worker's
// admin API) is applied here, then sent to every worker's replica, and only
// when every worker has acknowledged it does the change count as done: the
// RADIUS answer, or the admin API's 201, comes after every worker can use it.
// A worker that does not acknowledge in time is restarted (it resyncs from a
// snapshot), so one stuck process cannot keep stale bindings.
import type { Worker } from 'node:cluster';
import { MemoryBindingStore } from '../identity/memory-store.js';
import type { BindingRecord, BindingStore, SessionWrite } from '../identity/store.js';
import { eventOf } from '../identity/session-ops.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import type { Logger } from '../shared/log.js';
import { STORE_OPS, type Effect, type PrimaryToWorker, type WorkerToPrimary } from './protocol.js';

interface Inflight {
  waiting: Set<number>;
  done: () => void;
  timer: NodeJS.Timeout;
}

export class BindingHub implements BindingStore {
  readonly kind = 'memory';
  private readonly store = new MemoryBindingStore();
  private readonly members = new Map<number, Worker>();
  private readonly inflight = new Map<number, Inflight>();
  private pendingEffects: Effect[] = [];
  private pendingWaiters: (() => void)[] = [];
  private flushScheduled = false;
  private seq = 0;

  constructor(
    private readonly log: Logger,
    private readonly ackTimeoutMs = 5000,
  ) {}

  /** Handles one hedge message from a worker. */
  onMessage(worker: Worker, m: WorkerToPrimary): void {
    switch (m.t) {
      case 'hedge:bind-hello':
        this.send(worker, { t: 'hedge:bind-snapshot', records: this.store.list() });
        this.members.set(worker.id, worker);
        return;
      case 'hedge:bind-ack':
        return this.acked(worker.id, m.seq);
      case 'hedge:bind-op': {
        if (!(STORE_OPS as readonly string[]).includes(m.op)) return this.send(worker, { t: 'hedge:bind-result', id: m.id, error: { message: 'unknown store operation' } });
        const fn = this[m.op] as (...a: unknown[]) => Promise<unknown>;
        fn.apply(this, m.args).then(
          (result) => this.send(worker, { t: 'hedge:bind-result', id: m.id, result }),
          (err: unknown) => this.send(worker, { t: 'hedge:bind-result', id: m.id, error: { code: (err as { code?: string }).code, message: (err as Error).message } }),
        );
        return;
      }
    }
  }

  /** A worker exited: stop waiting for it. */
  detach(workerId: number): void {
    this.members.delete(workerId);
    for (const seq of [...this.inflight.keys()]) this.acked(workerId, seq);
  }

  lookup(ip: string): Subscriber | undefined {
    return this.store.lookup(ip);
  }
  find(address: string): BindingRecord | undefined {
    return this.store.find(address);
  }
  get(key: string): BindingRecord | undefined {
    return this.store.get(key);
  }
  list(): BindingRecord[] {
    return this.store.list();
  }
  size(): number {
    return this.store.size();
  }

  async set(r: BindingRecord): Promise<void> {
    this.store.set(r);
    await this.publish([{ set: r }]);
  }
  async remove(ip: string): Promise<boolean> {
    const ok = this.store.remove(ip);
    if (ok) await this.publish([{ del: ip }]);
    return ok;
  }
  async bind(r: BindingRecord, supersedes?: number): Promise<SessionWrite> {
    const displaced: string[] = []; // other sessions' bindings inside a bound prefix (memory-store.ts)
    const w = this.store.bind(r, supersedes, displaced);
    if (w === 'written') await this.publish([{ set: r }, ...displaced.map((del) => ({ del }))]);
    return w;
  }
  /** Stopped sessions are remembered here, where RADIUS is applied (the workers never apply it). */
  endSession(nas: string, sessionId: string, keys?: string[], forMs?: number | null): Promise<void> {
    this.store.endSession(nas, sessionId, keys, forMs ?? undefined); // (IPC carries an undefined argument as null)
    return Promise.resolve();
  }
  sessionEnded(nas: string, sessionId: string): boolean {
    return this.store.sessionEnded(nas, sessionId);
  }
  async refresh(r: BindingRecord, supersedes?: number): Promise<SessionWrite> {
    const w = this.store.refresh(r, supersedes);
    if (w === 'written') await this.publish([{ set: this.store.get(r.ip) ?? r }]); // as stored: it may keep the session's heldSince
    return w;
  }
  async removeIfSession(ip: string, sessionId: string, nas: string): Promise<boolean> {
    const ok = this.store.removeIfSession(ip, sessionId, nas);
    if (ok) await this.publish([{ del: ip }]);
    return ok;
  }
  /** A worker's lookup found this binding outranked by a covering one: removed here (if unchanged) and in every worker. */
  async removeOutranked(key: string, sessionId: string, nas: string | null, eventAt: number): Promise<boolean> {
    const ok = this.store.removeOutranked(key, sessionId, nas ?? undefined, eventAt); // (IPC carries undefined as null)
    if (ok) await this.publish([{ del: key }]);
    return ok;
  }
  /** NAS restarts are remembered here, where RADIUS is applied (the workers never apply it). */
  nasRestarted(nas: string, at: number): void {
    this.store.nasRestarted(nas, at);
  }
  restartOf(nas: string): number | undefined {
    return this.store.restartOf(nas);
  }
  async removeByNas(nas: string, notAfter: number): Promise<number> {
    const victims = this.store.list().filter((b) => b.nas === nas && eventOf(b) <= notAfter);
    for (const v of victims) this.store.remove(v.ip);
    await this.publish(victims.map((v) => ({ del: v.ip })));
    return victims.length;
  }

  close(): void {
    this.store.close();
    for (const f of this.inflight.values()) {
      clearTimeout(f.timer);
      f.done();
    }
    this.inflight.clear();
  }

  /** Queues effects for the next batch; resolves when every worker has applied them. */
  private publish(effects: Effect[]): Promise<void> {
    if (effects.length === 0 || this.members.size === 0) return Promise.resolve();
    this.pendingEffects.push(...effects);
    const p = new Promise<void>((resolve) => this.pendingWaiters.push(resolve));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  private flush(): void {
    this.flushScheduled = false;
    const effects = this.pendingEffects;
    const waiters = this.pendingWaiters;
    this.pendingEffects = [];
    this.pendingWaiters = [];
    const done = () => {
      for (const w of waiters) w();
    };
    const targets = [...this.members.values()].filter((w) => w.isConnected());
    if (targets.length === 0) return done();
    const seq = ++this.seq;
    const timer = setTimeout(() => this.timedOut(seq), this.ackTimeoutMs);
    timer.unref();
    this.inflight.set(seq, { waiting: new Set(targets.map((w) => w.id)), done, timer });
    for (const w of targets) this.send(w, { t: 'hedge:bind-apply', seq, effects });
  }

  private acked(workerId: number, seq: number): void {
    const f = this.inflight.get(seq);
    if (!f) return;
    f.waiting.delete(workerId);
    if (f.waiting.size > 0) return;
    clearTimeout(f.timer);
    this.inflight.delete(seq);
    f.done();
  }

  private timedOut(seq: number): void {
    const f = this.inflight.get(seq);
    if (!f) return;
    for (const id of f.waiting) {
      const w = this.members.get(id);
      this.log.error('cluster worker did not apply a binding change in time; restarting it', { worker: id, timeoutMs: this.ackTimeoutMs });
      this.members.delete(id);
      w?.process.kill('SIGKILL');
    }
    this.inflight.delete(seq);
    f.done();
  }

  private send(w: Worker, m: PrimaryToWorker): void {
    if (!w.isConnected()) return;
    try {
      w.send(m);
    } catch {
      // The worker is going away; its exit handler detaches it.
    }
  }
}
