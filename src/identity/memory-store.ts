// The embedded binding store: a Map in this process. Expiry is checked on read
// so a lapsed binding is never used, and swept periodically to bound memory.
import type { BindingRecord, BindingStore } from './store.js';
import type { Subscriber } from './subscriber.js';

export class MemoryBindingStore implements BindingStore {
  readonly kind = 'memory';
  private readonly map = new Map<string, BindingRecord>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  lookup(ip: string): Subscriber | undefined {
    const r = this.map.get(ip);
    if (!r) return undefined;
    if (r.expiresAt !== undefined && r.expiresAt <= this.now()) {
      this.map.delete(ip);
      return undefined;
    }
    return r.subscriber;
  }

  get(ip: string): BindingRecord | undefined {
    return this.lookup(ip) ? this.map.get(ip) : undefined;
  }

  set(record: BindingRecord): void {
    this.map.set(record.ip, record);
  }

  remove(ip: string): boolean {
    return this.map.delete(ip);
  }

  refresh(record: BindingRecord): boolean {
    const cur = this.get(record.ip);
    if (cur && cur.sessionId !== undefined && cur.sessionId !== record.sessionId) return false;
    this.map.set(record.ip, record);
    return true;
  }

  removeIfSession(ip: string, sessionId: string): boolean {
    const cur = this.get(ip);
    if (!cur || cur.sessionId !== sessionId) return false;
    return this.map.delete(ip);
  }

  removeByNas(nas: string, notAfter: number): number {
    let n = 0;
    for (const [ip, r] of this.map)
      if (r.nas === nas && (r.updatedAt ?? 0) <= notAfter) {
        this.map.delete(ip);
        n++;
      }
    return n;
  }

  list(): BindingRecord[] {
    this.sweep();
    return [...this.map.values()];
  }

  size(): number {
    return this.map.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const t = this.now();
    for (const [ip, r] of this.map) if (r.expiresAt !== undefined && r.expiresAt <= t) this.map.delete(ip);
  }
}
