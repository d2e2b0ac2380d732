// Binding stores map a subscriber's current source address to the subscriber.
// A binding is keyed by an IPv4 address or an IPv6 prefix in canonical form
// (binding-key.ts); lookup() and find() take a source address and find the
// binding that holds it, get()/set()/remove() take the key itself.
// lookup() may answer synchronously (memory) or with a promise (Redis); the
// pipeline handles both without allocating a promise for the sync case.
import type { Subscriber } from '../subscriber/subscriber.js';

export interface BindingRecord {
  /** The binding key: an IPv4 address ("10.0.0.1") or a canonical IPv6 prefix ("2001:db8:1:2::/64"). */
  ip: string;
  subscriber: Subscriber;
  /** Epoch ms after which the binding is no longer valid, if it expires. */
  expiresAt?: number | undefined;
  sessionId?: string | undefined;
  nas?: string | undefined;
  /** Epoch ms when the binding was written (Accounting-On/Off removes only older ones). */
  updatedAt?: number | undefined;
  /** The other keys of the same session (a dual-stack session binds its IPv4 address and IPv6 prefixes together). */
  peers?: string[] | undefined;
}

export interface BindingStore {
  readonly kind: string;
  /** The subscriber behind a source address (IPv4, IPv4-mapped or IPv6): the hot path. */
  lookup(address: string): Subscriber | undefined | Promise<Subscriber | undefined>;
  /** The binding that holds a source address (an IPv6 address: its prefix's binding, most specific first). */
  find(address: string): BindingRecord | undefined | Promise<BindingRecord | undefined>;
  set(record: BindingRecord): void | Promise<void>;
  /** The binding with exactly this key. */
  get(key: string): BindingRecord | undefined | Promise<BindingRecord | undefined>;
  remove(key: string): boolean | Promise<boolean>;
  list(): BindingRecord[] | Promise<BindingRecord[]>;
  size(): number | Promise<number>;
  close(): void | Promise<void>;

  // Session operations the RADIUS listener needs. Stores implement them
  // atomically; src/identity/session-ops.ts falls back to get/set/remove for
  // a store that does not (acceptable only for single-process stores).
  // A session is (NAS, Acct-Session-Id): RFC 2866 §5.5 makes the id unique per NAS only.
  // A session that stopped is remembered for a few minutes (stopped-sessions.ts): a late Start or
  // Interim of it binds nothing. A binding the store lost is not a stopped session.
  /** Start: write (replacing any holder) unless this session stopped a moment ago; false when it did. */
  bind?(record: BindingRecord): boolean | Promise<boolean>;
  /** Interim-Update: write unless the address is now held by another session (another id, or the same id from another NAS) or this session stopped a moment ago; false then. */
  refresh?(record: BindingRecord): boolean | Promise<boolean>;
  /** Stop: remember that this session ended, for these binding keys (before its bindings are removed). */
  endSession?(nas: string, sessionId: string, keys: string[]): void | Promise<void>;
  /** Whether this session stopped a moment ago (seen from this binding key): for counting a refused Interim. */
  sessionEnded?(nas: string, sessionId: string, key: string): boolean | Promise<boolean>;
  /** Stop: remove only if the binding still belongs to this session (this id from this NAS); false otherwise. */
  removeIfSession?(ip: string, sessionId: string, nas: string): boolean | Promise<boolean>;
  /** Accounting-On/Off: remove every binding from this NAS written at or before `notAfter`; the count removed. */
  removeByNas?(nas: string, notAfter: number): number | Promise<number>;
}
