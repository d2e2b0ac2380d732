// Messages between the primary and its workers (node:cluster IPC, JSON).
// Every hedge message has a `t` starting with "hedge:"; other modules'
// messages (prom-client's metric aggregation) pass through untouched.
import type { BindingRecord } from '../identity/store.js';

/** One change to apply to a replica. */
export type Effect = { set: BindingRecord } | { del: string };

/** The mutating store operations a worker may ask the primary to perform. */
export const STORE_OPS = ['set', 'remove', 'bind', 'refresh', 'endSession', 'removeIfSession', 'removeByNas'] as const;
export type StoreOp = (typeof STORE_OPS)[number];

export type WorkerToPrimary =
  | { t: 'hedge:bind-hello' }
  | { t: 'hedge:bind-op'; id: number; op: StoreOp; args: unknown[] }
  | { t: 'hedge:bind-ack'; seq: number }
  | { t: 'hedge:metrics-req'; id: number }
  /** POST /policy/reload reached this worker: the primary SIGHUPs the others so every worker reloads. */
  | { t: 'hedge:reload-others' }
  /** A reload put this config text in force here: replacement workers start with it (src/cluster/config-snapshot.ts). */
  | { t: 'hedge:policy-applied'; text: string };

export type PrimaryToWorker =
  | { t: 'hedge:bind-snapshot'; records: BindingRecord[] }
  | { t: 'hedge:bind-apply'; seq: number; effects: Effect[] }
  | { t: 'hedge:bind-result'; id: number; result?: unknown; error?: { code?: string; message: string } }
  | { t: 'hedge:metrics-res'; id: number; text?: string; error?: string };

export function isHedgeMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string' && (m as { t: string }).t.startsWith('hedge:');
}
