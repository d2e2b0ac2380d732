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
  /** Epoch ms when the binding was written. */
  updatedAt?: number | undefined;
  /**
   * Epoch ms of the accounting event that wrote it (Event-Timestamp, else receipt time minus
   * Acct-Delay-Time: radius/freshness.ts): a Start or Interim of a clearly older event does not
   * replace it, and Accounting-On/Off removes only bindings of events before its own.
   */
  eventAt?: number | undefined;
  /**
   * Epoch ms of the event that gave this key to its session — its Start (or the Interim that
   * re-created a binding hedge had lost) — kept by the session's Interims, which move eventAt on. A
   * prefix outranks the longer bindings of other sessions inside it whose latest event is before this
   * (session-ops.ts outranks): the NAS gave the prefix away after them.
   */
  heldSince?: number | undefined;
  /** The other keys of the same session (a dual-stack session binds its IPv4 address and IPv6 prefixes together). */
  peers?: string[] | undefined;
}

/**
 * What a Start or Interim did to one binding key: written; refused because its session stopped a
 * moment ago, because another session holds the key (Interim only), or because the binding there
 * comes from a newer event than the write may supersede (a replayed or long-delayed packet).
 */
export type SessionWrite = 'written' | 'stopped' | 'held' | 'newer';

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
  // A session that stopped is remembered for minutes at least (stopped-sessions.ts): a late Start or
  // Interim of it binds nothing. A binding the store lost is not a stopped session.
  // `supersedes`: the latest event time (eventAt) of a current binding the write may replace; a
  // binding of a later event is kept ('newer'). Undefined: no such check.
  /** Start: write (replacing any holder) unless this session stopped a moment ago, or the binding there is newer. */
  bind?(record: BindingRecord, supersedes?: number): SessionWrite | Promise<SessionWrite>;
  /** Interim-Update: write unless the address is now held by another session (another id, or the same id from another NAS), this session stopped a moment ago, or the binding there is newer. */
  refresh?(record: BindingRecord, supersedes?: number): SessionWrite | Promise<SessionWrite>;
  /**
   * Stop: remember that this session ended — as a session, and beside these binding keys for the atomic check of bind/refresh (before its bindings are removed) —
   * for `forMs` (stopped-sessions.ts stoppedSessionMs: as long as a packet of it can still be accepted), else STOPPED_SESSION_MS.
   */
  endSession?(nas: string, sessionId: string, keys: string[], forMs?: number): void | Promise<void>;
  /** Whether this session stopped a moment ago, whichever addresses its Stop named: checked before any of its Start or Interim writes. */
  sessionEnded?(nas: string, sessionId: string): boolean | Promise<boolean>;
  /** Stop: remove only if the binding still belongs to this session (this id from this NAS); false otherwise. */
  removeIfSession?(ip: string, sessionId: string, nas: string): boolean | Promise<boolean>;
  /** Accounting-On/Off: remove every binding from this NAS whose event (eventAt, else updatedAt) is at or before `notAfter`; the count removed. */
  removeByNas?(nas: string, notAfter: number): number | Promise<number>;
  /** Accounting-On/Off: remember that this NAS restarted at `at` (before its bindings are removed); a later restart already known is kept. */
  nasRestarted?(nas: string, at: number): void | Promise<void>;
  /** When this NAS last restarted (nas-restarts.ts), if remembered: a Start or Interim of it dated before then binds nothing. */
  restartOf?(nas: string): number | undefined | Promise<number | undefined>;
}
