// Messages between the primary and its workers (node:cluster IPC, JSON).
// Every hedge message has a `t` starting with "hedge:"; other modules'
// messages pass through untouched.
import type { BindingRecord } from '../identity/store.js';

/**
 * A worker's answer to a reload's prepare: the outcome of its preparation (a ReloadResult's fields without
 * those the primary sets; node/reload.ts owns the type, which this layer may not import) and the digest of
 * the key material it read.
 */
export interface PreparedAnswer {
  result: 'applied' | 'unchanged' | 'refused';
  from: string;
  to: string | undefined;
  stage?: string | undefined;
  reason?: string | undefined;
  fingerprint: string | undefined;
  [field: string]: unknown;
}

/** One change to apply to a replica. */
export type Effect = { set: BindingRecord } | { del: string };

/** The mutating store operations a worker may ask the primary to perform. */
export const STORE_OPS = ['set', 'remove', 'bind', 'refresh', 'endSession', 'removeIfSession', 'removeByNas', 'removeOutranked'] as const;
export type StoreOp = (typeof STORE_OPS)[number];

export type WorkerToPrimary =
  | { t: 'hedge:bind-hello' }
  | { t: 'hedge:bind-op'; id: number; op: StoreOp; args: unknown[] }
  | { t: 'hedge:bind-ack'; seq: number }
  /** GET /metrics on a worker: the primary answers hedge:metrics-res with the whole cluster's (cluster-metrics.ts). */
  | { t: 'hedge:metrics-req'; id: number }
  /** This worker's registry (prom-client's getMetricsAsJSON), for the primary to merge; or why it could not. */
  | { t: 'hedge:metrics-json-res'; id: number; metrics?: unknown[]; error?: string }
  /** The worker serves: it takes part in the cluster's reloads from now on. */
  | { t: 'hedge:worker-ready'; policyVersion: string; fingerprint?: string | undefined }
  /** POST /policy/reload (or a SIGHUP to the worker itself): the primary runs the cluster's reload and answers with its result. */
  | { t: 'hedge:reload-request'; id: number; trigger: string }
  /** Two-phase reload (node/cluster-reload.ts): this worker's preparation of reload `id`. */
  | { t: 'hedge:reload-prepared'; id: number; answer: PreparedAnswer }
  /** Whether the audit event of a widening reload was committed. */
  | { t: 'hedge:reload-recorded'; id: number; ok: boolean };

export type PrimaryToWorker =
  | { t: 'hedge:bind-snapshot'; records: BindingRecord[] }
  | { t: 'hedge:bind-apply'; seq: number; effects: Effect[] }
  | { t: 'hedge:bind-result'; id: number; result?: unknown; error?: { code?: string; message: string } }
  | { t: 'hedge:metrics-res'; id: number; text?: string; error?: string }
  /** Send this worker's registry (hedge:metrics-json-res): the primary merges every worker's with its own. */
  | { t: 'hedge:metrics-json-req'; id: number }
  /** The cluster's answer to a hedge:reload-request (a ReloadResult). */
  | { t: 'hedge:reload-answer'; id: number; result: Record<string, unknown> }
  /** Two-phase reload: prepare this config text (validate, compile, diff, canary), swap nothing in, answer hedge:reload-prepared. */
  | { t: 'hedge:reload-prepare'; id: number; text: string }
  /** Record this result (a widening change, before it is committed) in the audit; answer hedge:reload-recorded. */
  | { t: 'hedge:reload-record'; id: number; result: Record<string, unknown> }
  /**
   * The end of reload `id` in every worker: commit (swap the prepared candidate in) or drop it; keep, log and count the
   * cluster's result; `record`: this worker writes its audit event; `counted`: the primary counted and alerted it, once
   * for the cluster (node/cluster-reload.ts): kept, logged and recorded here, not counted or alerted again.
   */
  | { t: 'hedge:reload-finish'; id: number; commit: boolean; record: boolean; counted?: boolean; result: Record<string, unknown> };

export function isHedgeMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string' && (m as { t: string }).t.startsWith('hedge:');
}
