// A --workers worker's side of the cluster's two-phase reload
// (node/cluster-reload.ts): it prepares the text the primary read (validate,
// compile, diff, canary; nothing swapped in), answers ready or refused, and
// swaps the candidate in only when the primary says every worker was ready.
// Preparations run one at a time, in the order they arrive: one that arrives
// late (the worker was stopped past the primary's bound) is prepared, answered
// and then dropped by the abort that follows it, never committed.
import type { PolicyReloader, PreparedReload, ReloadResult } from './reload.js';
import type { PreparedAnswer, PrimaryToWorker, WorkerToPrimary } from '../cluster/protocol.js';
import type { Logger } from '../shared/log.js';

export interface ReloadParticipant {
  /** Handles a reload message from the primary; false for any other message. */
  onMessage(m: PrimaryToWorker): boolean;
}

export function reloadParticipant(reloader: PolicyReloader, send: (m: WorkerToPrimary) => void, log: Logger): ReloadParticipant {
  const prepared = new Map<number, Promise<PreparedReload>>();
  let chain: Promise<unknown> = Promise.resolve();
  return {
    onMessage(m) {
      if (m.t === 'hedge:reload-prepare') {
        const from = reloader.version();
        const p = chain.then(() => reloader.prepare(m.text));
        chain = p.catch(() => undefined);
        prepared.set(m.id, p);
        p.then(
          (r) => send({ t: 'hedge:reload-prepared', id: m.id, answer: { ...r.outcome, from, fingerprint: r.fingerprint } as PreparedAnswer }),
          (err: unknown) =>
            send({
              t: 'hedge:reload-prepared',
              id: m.id,
              answer: { result: 'refused', from, to: undefined, stage: 'read', reason: `preparation failed (${(err as Error).name})`, fingerprint: undefined },
            }),
        );
        return true;
      }
      if (m.t === 'hedge:reload-record') {
        reloader.recordFirst(m.result as unknown as ReloadResult).then(
          (ok) => send({ t: 'hedge:reload-recorded', id: m.id, ok }),
          () => send({ t: 'hedge:reload-recorded', id: m.id, ok: false }),
        );
        return true;
      }
      if (m.t === 'hedge:reload-finish') {
        const p = prepared.get(m.id);
        prepared.delete(m.id);
        const result = m.result as unknown as ReloadResult;
        if (!m.commit) {
          reloader.settle(result, { record: m.record, counted: m.counted === true });
          return true;
        }
        if (!p) {
          log.error('policy reload: told to commit a reload this worker did not prepare', { id: m.id });
          return true;
        }
        // The primary commits only once this worker answered ready, so the preparation has settled.
        void p.then((r) => {
          reloader.commit(r);
          reloader.settle(result, { record: m.record, counted: m.counted === true });
        });
        return true;
      }
      return false;
    },
  };
}
