// Starting the audit for one gateway node from its config: keys, store, the
// chain writer, admin endpoints, retention. gateway.ts calls this once.
import type { AdminRoute } from '../shared/http.js';
import { workerSlot } from '../cluster/worker-slot.js';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../shared/log.js';
import type { Metrics } from '../shared/metrics.js';
import type { Alerts } from '../alerts/alerts.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { loadAuditKey, type AuditKey, type Signer } from './keys.js';
import { checkpointSigner, checkpointVerifier } from './gateway-key.js';
import { createAuditStore } from './create-store.js';
import { configPath } from '../config/config-path.js';
import { AuditLog } from './audit-log.js';
import { AuditMetrics } from './metrics.js';
import { purgeBefore, scheduleRetention } from './purge.js';
import { keepFrom, keepStandingConsent } from './consent-retention.js';
import { auditRoutes } from './admin-routes.js';
import { policyExposure } from './policy-events.js';
import type { AuditStore } from './store.js';
import { WitnessFile } from './witness.js';

export const ALERT_AUDIT_STORE = 'audit-store-unavailable';
export const ALERT_AUDIT_CHAIN_ALTERED = 'audit-chain-altered';
export const ALERT_AUDIT_WITNESS = 'audit-witness-unavailable';

export interface AuditRuntime {
  log: AuditLog;
  key: AuditKey;
  signer: Signer;
  store: AuditStore;
  /** The read-only /audit/* admin endpoints; `policy` returns the policy in force. */
  adminRoute(policy: () => CompiledPolicy): AdminRoute;
  stop(): Promise<void>;
}

export interface AuditSetupDeps {
  nodeId: string;
  log: Logger;
  metrics: Metrics;
  alerts?: Alerts | undefined;
  /** The policy loaded at start (recorded as a policy-load event). */
  policy: CompiledPolicy;
  /** When retention first runs, in ms after start (scheduleRetention's default: a minute). */
  retentionFirstRunMs?: number | undefined;
}

export async function startAudit(loaded: LoadedConfig, deps: AuditSetupDeps): Promise<AuditRuntime | undefined> {
  const a = loaded.config.audit;
  if (!a) return undefined;
  const key = loadAuditKey(configPath(loaded.file, a.keyFile));
  const signer = checkpointSigner(loaded.config, loaded.file);
  const verifier = checkpointVerifier(loaded.config, loaded.file);
  const spec = a.store.startsWith('sqlite:') && a.store !== 'sqlite::memory:' ? `sqlite:${configPath(loaded.file, a.store.slice(7))}` : a.store;
  const store = createAuditStore({ store: spec, schema: a.schema, busyTimeoutMs: a.busyTimeoutMs, commitTimeoutMs: a.commitTimeoutMs, thread: true });
  const log = deps.log.child({ component: 'audit' });
  const metrics = new AuditMetrics(deps.metrics.registry, store.kind);
  const witness =
    a.witness &&
    new WitnessFile({
      file: configPath(loaded.file, a.witness.file),
      count: (result, n) => metrics.witness(result, n),
      // The error code only: the file's path is in the config, and a line names no subscriber anyway.
      onFailing: (code) => {
        const message = 'audit witness file cannot be written: checkpoints are kept (bounded) and retried at the next one; disclosures are recorded as usual';
        if (deps.alerts) deps.alerts.raise(ALERT_AUDIT_WITNESS, message, { code });
        else log.error(message, { code });
      },
      onRecovered: () => log.info('audit witness file written again'),
    });
  // The counters start at 0, so the first failure is an increase Prometheus sees (HedgeAuditWitnessFailing).
  if (witness) for (const r of ['written', 'failed', 'dropped'] as const) metrics.witness(r, 0);
  await witness?.ensureExists();
  const audit = new AuditLog({
    store,
    node: chainName(a.node, deps.nodeId),
    key,
    signer,
    verifier,
    log,
    metrics,
    witness,
    batchDelayMs: a.batchDelayMs,
    batchMaxRecords: a.batchMaxRecords,
    commitTimeoutMs: a.commitTimeoutMs,
    retryAfterMs: a.retryAfterMs,
    maxPending: a.maxPendingRecords,
    checkpointEveryRecords: a.checkpointEveryRecords,
    checkpointIntervalMs: a.checkpointIntervalMs,
    onUnavailable: (code) =>
      deps.alerts
        ? deps.alerts.raise(ALERT_AUDIT_STORE, 'audit store cannot commit: partner requests go out without identity until it can', { store: store.kind, code })
        : log.error('audit store cannot commit; disclosures withheld until it can', { store: store.kind, code }),
    onChainAltered: (at) => {
      const message =
        "the audit chain was changed since this gateway last wrote it (by hand, or by a second gateway with this node name): partner requests go out without identity until a restart; run 'hedge audit verify' first";
      if (deps.alerts) deps.alerts.raise(ALERT_AUDIT_CHAIN_ALTERED, message, { store: store.kind, knownSeq: at.knownSeq, storedSeq: at.storedSeq });
      else log.error(message, { store: store.kind, ...at });
    },
  });
  await audit.open();
  const policy = deps.policy;
  void audit.recordEvent({ type: 'policy-load', policyVersion: policy.version, detail: { file: policy.file, exposure: policyExposure(undefined, policy) } });

  let stopRetention: (() => void) | undefined;
  if (a.retentionDays !== undefined) {
    const days = a.retentionDays;
    stopRetention = scheduleRetention(async () => {
      try {
        const before = Date.now() - days * 86_400_000;
        // A withdrawal that still applies is recorded anew before its record goes (consent-retention.ts);
        // what could not be is kept where it is, and the chain's purge stops there.
        let kept = 0;
        try {
          kept = await keepStandingConsent(store, before, (e) => audit.recordEvent(e));
        } catch (err) {
          log.warn('audit retention: standing consent choices could not be recorded anew; their chains are purged only up to them', {
            code: (err as { code?: string }).code,
          });
        }
        const keep = await keepFrom(store, before);
        const res = await purgeBefore(store, before, signer, undefined, witness, keep);
        const removed = res.reduce((n, r) => n + r.removed, 0);
        if (removed || kept) log.info('audit retention applied', { retentionDays: days, removed, chains: res.length, consentKept: kept, chainsHeldBack: keep.size });
      } catch (err) {
        log.error('audit retention failed', { code: (err as { code?: string }).code });
      }
    }, deps.retentionFirstRunMs);
  }
  return {
    log: audit,
    key,
    signer,
    store,
    adminRoute: (current) =>
      auditRoutes({
        store,
        key,
        signer,
        verifier,
        audit,
        policy: current,
        operator: loaded.config.operator.name,
        witnessFile: a.witness && configPath(loaded.file, a.witness.file),
      }),
    async stop() {
      stopRetention?.();
      await audit.close();
    },
  };
}

/**
 * The chain this process writes. A configured name is shared by every
 * `--workers` process of the node, so each worker appends its slot: two
 * writers on one chain would conflict on every commit. A replacement worker
 * takes the slot of the one it replaces (never both alive), so it continues
 * that chain — and seals what a crash left unsigned with its `resume` record.
 */
export function chainName(configured: string | undefined, nodeId: string): string {
  if (configured === undefined) return nodeId;
  const slot = workerSlot();
  return slot === undefined ? configured : `${configured}-w${slot}`;
}
