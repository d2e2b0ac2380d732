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
  /** Epoch ms when the binding was written (Accounting-On/Off removes only older ones). */
  updatedAt?: number | undefined;
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

  // Session operations the RADIUS listener needs. Stores implement them
  // atomically; src/identity/session-ops.ts falls back to get/set/remove for
  // a store that does not (acceptable only for single-process stores).
  /** Interim-Update: write unless the address is now held by another session; false when it is. */
  refresh?(record: BindingRecord): boolean | Promise<boolean>;
  /** Stop: remove only if the binding still belongs to this session; false otherwise. */
  removeIfSession?(ip: string, sessionId: string): boolean | Promise<boolean>;
  /** Accounting-On/Off: remove every binding from this NAS written at or before `notAfter`; the count removed. */
  removeByNas?(nas: string, notAfter: number): number | Promise<number>;
}
