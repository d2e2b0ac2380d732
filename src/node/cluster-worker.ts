// One worker of `hedge start --workers N`: a full gateway node (proxy and admin
// API on ports shared through node:cluster) without the RADIUS listener, which
// the primary owns. With the memory store its bindings are a replica the
// primary keeps in step; with Redis it reads Redis like any node. Its policy
// reloads are the cluster's, run by the primary (node/cluster-reload.ts).
import type { LoadedConfig } from '../config/load.js';
import { startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
import { ClusterReplicaStore } from '../cluster/replica-store.js';
import { ClusterWorkerMetrics } from '../cluster/worker-metrics.js';
import { isHedgeMessage, type PrimaryToWorker, type WorkerToPrimary } from '../cluster/protocol.js';
import { reloadParticipant } from './reload-participant.js';
import type { ReloadResult, ReloadTrigger } from './reload.js';

export async function startWorkerGateway(loaded: LoadedConfig, opts: GatewayOptions): Promise<RunningGateway> {
  let bindings: ClusterReplicaStore | undefined;
  if (loaded.config.subscribers.store === 'memory') {
    bindings = new ClusterReplicaStore();
    await bindings.ready(); // never serve before holding the primary's bindings
  }
  const gw = await startGateway(loaded, {
    ...opts,
    bindings,
    radiusListen: false,
    // One worker runs the front door (src/cluster/primary.ts says which): its codes and tokens are per process.
    ...(process.env.HEDGE_FRONT_DOOR === '1' ? {} : { frontDoorListen: false as const }),
    metrics: new ClusterWorkerMetrics({ gcMetrics: loaded.config.admin.gcMetrics }),
    clusterReload: clusterReloadClient(loaded.config.reload.timeoutMs),
  });
  // From now on the primary counts this worker in every reload (and waits for it before one starts).
  send({ t: 'hedge:worker-ready', policyVersion: gw.policy().version });
  return gw;
}

function send(m: WorkerToPrimary): void {
  if (process.connected) process.send?.(m);
}

/** Reload requests go to the primary; the primary's prepare, record and finish messages drive this worker's reloader. */
function clusterReloadClient(timeoutMs: number): NonNullable<GatewayOptions['clusterReload']> {
  const answers = new Map<number, (r: ReloadResult) => void>();
  let nextId = 1;
  process.on('message', (m: unknown) => {
    if (!isHedgeMessage(m) || m.t !== 'hedge:reload-answer') return;
    const a = m as Extract<PrimaryToWorker, { t: 'hedge:reload-answer' }>;
    answers.get(a.id)?.(a.result as unknown as ReloadResult);
  });
  return {
    request(trigger: ReloadTrigger) {
      const id = nextId++;
      const at = new Date().toISOString();
      return new Promise<ReloadResult>((resolve) => {
        // The primary bounds each step by reload.timeoutMs; a request may wait for the running reload, then its own.
        const bound = 8 * timeoutMs + 5000;
        const timer = setTimeout(() => {
          answers.delete(id);
          resolve({
            result: 'refused',
            trigger,
            at,
            file: '',
            from: '',
            to: undefined,
            stage: 'cluster',
            reason: `the primary did not answer within ${bound} ms`,
            durationMs: bound,
          });
        }, bound);
        answers.set(id, (r) => {
          clearTimeout(timer);
          answers.delete(id);
          resolve(r);
        });
        send({ t: 'hedge:reload-request', id, trigger });
      });
    },
    attach(reloader, log) {
      const participant = reloadParticipant(reloader, send, log);
      process.on('message', (m: unknown) => {
        if (isHedgeMessage(m)) participant.onMessage(m as PrimaryToWorker);
      });
    },
  };
}
