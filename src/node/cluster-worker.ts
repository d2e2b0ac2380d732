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
import { auditRecordTimeoutMs } from './cluster-reload.js';
import { POLICY_IN_FORCE_ENV, type PolicyInForce } from '../cluster/config-snapshot.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
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
    clusterReload: clusterReloadClient(loaded.config.reload.timeoutMs, auditRecordTimeoutMs(loaded.config) ?? 0),
    acceptPolicy: (policy) => samePolicyAsCluster(policy, process.env[POLICY_IN_FORCE_ENV], loaded.file),
  });
  // From now on the primary counts this worker in every reload (and waits for it before one starts).
  send({ t: 'hedge:worker-ready', policyVersion: gw.policy().version, fingerprint: gw.policy().materialFingerprint });
  return gw;
}

/**
 * A replacement worker reads the config text the cluster serves (the primary's copy), but secret files, keys.file,
 * partner CA and client JWKS files from disk: one changed since the last reload would put unreviewed material in
 * service in this one worker (signing with a key the others do not, trusting another CA or client key). It does not
 * start then; a reload reviews and applies the change in every worker, after which replacements start again.
 */
export function samePolicyAsCluster(policy: CompiledPolicy, inForceJson: string | undefined, file: string): void {
  if (!inForceJson) return; // one of the workers the cluster starts with: they set what is in force
  const inForce = JSON.parse(inForceJson) as PolicyInForce;
  const what =
    policy.version !== inForce.version
      ? `a secret file it names changed since the cluster's last reload (policy ${inForce.version} in force, this worker read ${policy.version})`
      : (policy.materialFingerprint ?? '') !== (inForce.fingerprint ?? '')
        ? `keys.file, a partner's ca or a client's jwksFile changed since the cluster's last reload (policy ${inForce.version}, other key material)`
        : undefined;
  if (!what) return;
  throw new HedgeError(
    ErrorCodes.WORKER_POLICY_CHANGED,
    `${file}: worker not started: ${what}; reload (SIGHUP to the primary, or POST /policy/reload) to review and apply it in every worker, or put the file back`,
  );
}

function send(m: WorkerToPrimary): void {
  if (process.connected) process.send?.(m);
}

/** Reload requests go to the primary; the primary's prepare, record and finish messages drive this worker's reloader. */
/** `recordMs`: how long the primary may wait for a widening reload's audit commit (cluster-reload.ts). */
function clusterReloadClient(timeoutMs: number, recordMs: number): NonNullable<GatewayOptions['clusterReload']> {
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
        // The primary bounds each step by reload.timeoutMs (the audit commit by recordMs); a request may wait for the running reload, then its own.
        const bound = 8 * timeoutMs + 2 * recordMs + 5000;
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
