// One worker of `hedge start --workers N`: a full gateway node (proxy and admin
// API on ports shared through node:cluster) without the RADIUS listener, which
// the primary owns. With the memory store its bindings are a replica the
// primary keeps in step; with Redis it reads Redis like any node.
import type { LoadedConfig } from '../config/load.js';
import { startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
import { ClusterReplicaStore } from '../cluster/replica-store.js';
import { ClusterWorkerMetrics } from '../cluster/worker-metrics.js';
import type { WorkerToPrimary } from '../cluster/protocol.js';

export async function startWorkerGateway(loaded: LoadedConfig, opts: GatewayOptions): Promise<RunningGateway> {
  let bindings: ClusterReplicaStore | undefined;
  if (loaded.config.subscribers.store === 'memory') {
    bindings = new ClusterReplicaStore();
    await bindings.ready(); // never serve before holding the primary's bindings
  }
  return startGateway(loaded, {
    ...opts,
    bindings,
    radiusListen: false,
    // One worker runs the front door (src/cluster/primary.ts says which): its codes and tokens are per process.
    ...(process.env.HEDGE_FRONT_DOOR === '1' ? {} : { frontDoorListen: false as const }),
    metrics: new ClusterWorkerMetrics({ gcMetrics: loaded.config.admin.gcMetrics }),
    // The admin port is shared: the worker that took POST /policy/reload asks the primary to reload the others.
    onAdminReload: () => process.send?.({ t: 'hedge:reload-others' } satisfies WorkerToPrimary),
    // A replacement for a worker that dies starts with the policy in force, not the file as edited since (cluster/config-snapshot.ts).
    onPolicyApplied: (applied) => process.send?.({ t: 'hedge:policy-applied', text: applied.text } satisfies WorkerToPrimary),
  });
}
