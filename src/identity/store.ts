// Binding stores map a subscriber's current source address to the subscriber.
// lookup() may answer synchronously (memory) or with a promise (Redis); the
// pipeline handles both without allocating a promise for the sync case.
import type { Subscriber } from './subscriber.js';

export interface BindingRecord {
  ip: string;
  subscriber: Subscriber;
  /** Epoch ms after which the binding is no longer valid, if it expires. */
  expiresAt?: number | undefined;
  sessionId?: string | undefined;
  nas?: string | undefined;
}

export interface BindingStore {
  readonly kind: string;
  lookup(ip: string): Subscriber | undefined | Promise<Subscriber | undefined>;
  set(record: BindingRecord): void | Promise<void>;
  get(ip: string): BindingRecord | undefined | Promise<BindingRecord | undefined>;
  remove(ip: string): boolean | Promise<boolean>;
  list(): BindingRecord[] | Promise<BindingRecord[]>;
  size(): number | Promise<number>;
  close(): void | Promise<void>;
}
