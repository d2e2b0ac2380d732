// A `--workers` worker's slot: 1…N, given by the primary at fork and handed to
// the worker that replaces it. Unlike node:cluster's worker id, which grows
// with every fork, a slot names the same place in the cluster across
// replacements, so what a worker keeps by name (its audit chain) is continued.
import cluster from 'node:cluster';

/** The environment variable the primary sets on each worker it forks. */
export const WORKER_SLOT_ENV = 'HEDGE_WORKER_SLOT';

/** This worker's slot; node:cluster's worker id for a worker forked without one; undefined outside a cluster worker. */
export function workerSlot(): number | undefined {
  if (!cluster.isWorker || !cluster.worker) return undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV]);
  return Number.isInteger(slot) && slot > 0 ? slot : cluster.worker.id;
}
