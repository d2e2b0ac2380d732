// `hedge start --workers N`: the primary process. It serves no HTTP itself; it
// forks N workers that share the proxy and admin ports (node:cluster), owns
// the RADIUS listener (one listener, so retransmission detection and session
// order hold), holds the authoritative memory bindings and replicates every
// change to the workers (BindingHub) — or, with Redis, writes there and the
// workers read there. A worker that dies is replaced.
import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';
import { Counter, Gauge, Registry } from 'prom-client';
import type { LoadedConfig } from '../config/load.js';
import { createBindingStore, isRedisBindingStore } from '../identity/create-store.js';
import { redisTlsMaterial } from '../identity/redis-tls.js';
import { staticBindingsOf, type StaticBindings } from '../identity/static-bindings.js';
import type { BindingStore } from '../identity/store.js';
import { startRadius, type RunningRadius } from '../identity/radius/start.js';
import type { Logger } from '../shared/log.js';
import { BindingHub } from '../cluster/binding-hub.js';
import { shareEphemeralKeys } from '../cluster/ephemeral-keys.js';
import { configSnapshot, POLICY_IN_FORCE_ENV } from '../cluster/config-snapshot.js';
import { WORKER_SLOT_ENV } from '../cluster/worker-slot.js';
import { RESTART_BASE_MS, RestartBackoff } from '../cluster/restart-backoff.js';
import { isHedgeMessage, type PrimaryToWorker, type WorkerToPrimary } from '../cluster/protocol.js';
import { ClusterMetrics } from '../cluster/cluster-metrics.js';
import { auditRecordTimeoutMs, ClusterReload } from './cluster-reload.js';
import { watchPolicyFile } from './policy-watch.js';
import { checkReloadWithoutWorkers } from './reload-without-workers.js';
import { EPHEMERAL_KEYS_ENV } from '../keys/material.js';
import type { ReloadResult, ReloadTrigger } from './reload.js';
import { countAndAlert, reloadCounter } from './reload-events.js';
import { alertsOf } from './alerts-of-config.js';

export interface RunningPrimary {
  radius: RunningRadius | undefined;
  /** The cluster's policy reload: in every worker or in none (node/cluster-reload.ts). */
  reload(trigger: ReloadTrigger): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export async function startPrimary(loaded: LoadedConfig, o: { workers: number; radiusListen?: string | undefined; log: Logger }): Promise<RunningPrimary> {
  const { config } = loaded;
  const log = o.log;
  // The primary's own metrics, merged with the workers' in every worker's GET /metrics (cluster/cluster-metrics.ts).
  const registry = new Registry();
  const metrics = new ClusterMetrics(registry, send, log);
  // The primary's alerts: log lines, its own hedge_alerts_total and the configured webhook. It raises what happens
  // while no worker may be serving (a reload refused then), which must reach the webhook at once.
  const alerts = alertsOf(config, { log, registry, nodeId: `${hostname().split('.')[0]}-primary` });
  let hub: BindingHub | undefined;
  let store: BindingStore;
  let statics: StaticBindings | undefined = undefined; // set once the store exists; its reconnect hook needs it
  // A worker that has not applied a change within the staleness bound is restarted: it
  // cannot keep serving a binding that changed longer ago than subscribers.maxStaleMs.
  if (config.subscribers.store === 'memory') store = hub = new BindingHub(log, Math.max(1000, config.subscribers.maxStaleMs));
  else {
    store = await createBindingStore(config.subscribers.store, {
      redis: { ...config.subscribers.redis, tls: redisTlsMaterial(config.subscribers.redis.tls, loaded.file) },
      maxStaleMs: config.subscribers.maxStaleMs,
      onState: (state, reason) => {
        if (state === 'down') log.error('binding store connection lost (primary)', { reason });
        else {
          log.info('binding store connected (primary)');
          statics?.storeUp();
        }
      },
    });
    if (isRedisBindingStore(store) && !(await store.waitReady(2000))) log.error('binding store not reachable at start (primary)', { store: store.kind });
  }
  statics = staticBindingsOf(config, { store, alerts, log });
  await statics.begin();

  let stopping = false;
  const live = new Set<Worker>();
  new Gauge({
    name: 'hedge_cluster_workers',
    help: 'Worker processes alive',
    registers: [registry],
    collect() {
      this.set(live.size);
    },
  });

  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isHedgeMessage(m)) return;
    const msg = m as WorkerToPrimary;
    if (msg.t === 'hedge:metrics-req') {
      // The serving workers', and the asking one's (it may serve its admin API a moment before it says so).
      const from = new Set([...reloads.servingWorkers(), worker]);
      metrics.text([...from]).then(
        (text) => send(worker, { t: 'hedge:metrics-res', id: msg.id, text }),
        (err: unknown) => send(worker, { t: 'hedge:metrics-res', id: msg.id, error: (err as Error).message }),
      );
      return;
    }
    if (metrics.onMessage(worker, msg)) return;
    if (msg.t === 'hedge:reload-request') {
      // POST /policy/reload (or a SIGHUP to the worker): the answer is the cluster's, whichever worker took the request.
      void reloads.reload(msg.trigger as ReloadTrigger).then(
        (result) => send(worker, { t: 'hedge:reload-answer', id: msg.id, result: result as unknown as Record<string, unknown> }),
        (err: unknown) => log.error('policy reload failed', { error: (err as Error).name }), // the worker's bound answers its caller
      );
      return;
    }
    if (msg.t === 'hedge:worker-ready') backoff.serving(slots.get(worker.id) ?? worker.id);
    if (reloads.onMessage(worker, msg)) return;
    hub?.onMessage(worker, msg);
  });

  // Without keys.file every process would make its own key: partners would see
  // signatures from N keys and tokens would resolve only on the worker that issued them.
  const sharedKeys = config.keys ? undefined : shareEphemeralKeys();
  // Workers start with the policy the cluster serves, never the file as edited since (cluster/config-snapshot.ts).
  const snapshot = configSnapshot(loaded.text);
  const reloadsCounted = reloadCounter(registry);
  const reloads = new ClusterReload({
    file: loaded.file,
    timeoutMs: config.reload.timeoutMs,
    recordTimeoutMs: auditRecordTimeoutMs(config),
    log,
    live: () => [...live],
    send,
    onApplied: (text) => {
      snapshot.update(text);
      log.info('replacement workers start with the reloaded policy');
    },
    checkAlone: (text, inForce) => {
      // Without keys.file the workers sign with the per-run keys: the primary's check must read those, not make its own.
      if (sharedKeys) process.env[EPHEMERAL_KEYS_ENV] = sharedKeys.env[EPHEMERAL_KEYS_ENV];
      return checkReloadWithoutWorkers(text, { file: loaded.file, startedWith: config, inForceText: snapshot.text(), inForce, log });
    },
    onRecovery: () => startWaitingNow(),
    // Every result of a cluster reload is counted here once (the same counter and labels as a lone gateway's), and a
    // refusal alerted (webhook included) when it is decided: each worker counting it gave N counts and N webhooks,
    // and while no worker serves nobody would hear of it. Visible in /metrics once a worker serves (the primary has
    // no listener of its own).
    settled: (r) => countAndAlert(r, reloadsCounted, alerts),
  });
  // The front door's codes and tokens live in one process: exactly one worker (the first, and its
  // replacement) runs it, so a code, its token and the API call always meet the same store.
  const frontDoorWorkers = new Set<number>();
  // Connections are handed out round-robin by the primary (SCHED_RR), not left to
  // the kernel (SCHED_NONE): measured with --workers 2 on 2 cores, RR gave
  // 16.2–16.3k req/s in every run, NONE 10.9–16.2k (the kernel's accept wake-ups
  // pile connections onto one worker). Node's default on Linux, set here so it
  // is a choice; NODE_CLUSTER_SCHED_POLICY=none still overrides it (docs/operations.md).
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_RR;
  // Each worker holds a slot, 1…N, and its replacement takes the same one: what a worker keeps
  // across restarts by name (its audit chain, `<audit.node>-w<slot>`) is then continued by the
  // process that replaces it — which seals a crashed worker's unsigned records with a `resume`
  // record at once — instead of being left open under a name no process writes again.
  const slots = new Map<number, number>();
  const backoff = new RestartBackoff();
  /** Slots waiting for a replacement, and how long each waits (the gauge below). */
  const waiting = new Map<number, number>();
  const backoffs = new Counter({
    name: 'hedge_cluster_worker_restart_backoffs_total',
    help: 'Replacement workers started later than 0.5 s because the previous ones of their slot did not serve for long (refused or crashed)',
    registers: [registry],
  });
  new Gauge({
    name: 'hedge_cluster_worker_restart_delay_seconds',
    help: 'The longest wait before a replacement worker starts (0: no slot waits)',
    registers: [registry],
    collect() {
      this.set(Math.max(0, ...waiting.values()) / 1000);
    },
  });
  /** Forks the slot's worker; false (logged) when the files it starts from cannot be written: it would not start. */
  const fork = (frontDoor: boolean, slot: number): boolean => {
    try {
      // A temporary-file cleaner may have removed them: written again from what the primary holds.
      snapshot.ensure();
      sharedKeys?.ensure();
    } catch (err) {
      log.error('replacement worker not started: cannot write the config and keys it starts from', { error: (err as Error).message });
      return false;
    }
    // A replacement must read the policy the cluster serves, key and secret files included (else it refuses to start).
    const inForce = reloads.inForce();
    const w = cluster.fork({
      HEDGE_CLUSTER_WORKER: '1',
      [WORKER_SLOT_ENV]: String(slot),
      HEDGE_FRONT_DOOR: frontDoor ? '1' : '0',
      ...sharedKeys?.env,
      ...snapshot.env,
      ...(inForce && { [POLICY_IN_FORCE_ENV]: JSON.stringify(inForce) }),
    });
    // A worker that died a moment ago still looks connected until the primary reads its channel's end: a message
    // sent to it then (a reload's text, a binding change) fails with EPIPE, emitted as 'error' on the Worker —
    // unheard, it threw and took the primary and every worker down. Its exit follows and is handled there.
    w.on('error', (err: NodeJS.ErrnoException) => log.warn('cluster worker channel failed; its exit follows', { worker: w.id, code: err.code }));
    if (frontDoor) frontDoorWorkers.add(w.id);
    slots.set(w.id, slot);
    live.add(w);
    return true;
  };
  /** The timer of each slot that waits for its replacement (startWaitingNow cuts the wait short). */
  const timers = new Map<number, { frontDoor: boolean; timer: NodeJS.Timeout }>();
  /** Forks the slot's next worker once no reload runs (it must start from the policy that reload leaves in force). */
  const startSlot = (frontDoor: boolean, slot: number) =>
    !stopping &&
    void reloads.idle().then(() => {
      if (stopping) return;
      waiting.delete(slot);
      if (fork(frontDoor, slot)) log.info('replacement worker forked', { slot });
      else replace(frontDoor, slot);
    });
  /** Starts the slot's next worker after its backoff. */
  const replace = (frontDoor: boolean, slot: number) => {
    const { delayMs, longer } = backoff.stopped(slot);
    if (delayMs > RESTART_BASE_MS) backoffs.inc();
    if (longer) log.warn('replacement workers keep failing; waiting longer before the next one', { slot, delayMs });
    waiting.set(slot, delayMs);
    // Not unref'd: with every worker gone (and no RADIUS listener) nothing else keeps the primary running, and it
    // exited — a cluster that could come back by itself or by a reload (reload-without-workers.ts) was gone.
    const timer = setTimeout(() => {
      timers.delete(slot);
      startSlot(frontDoor, slot);
    }, delayMs);
    timers.set(slot, { frontDoor, timer });
  };
  /** A reload put fixed files in force while no worker served: every waiting slot starts now, and the waits start again from 0.5 s. */
  const startWaitingNow = () => {
    backoff.reset();
    for (const [slot, { frontDoor, timer }] of timers) {
      clearTimeout(timer);
      timers.delete(slot);
      startSlot(frontDoor, slot);
    }
  };
  cluster.on('exit', (w, code, signal) => {
    live.delete(w);
    reloads.onExit(w);
    hub?.detach(w.id);
    const hadFrontDoor = frontDoorWorkers.delete(w.id);
    const slot = slots.get(w.id) ?? w.id;
    slots.delete(w.id);
    if (stopping) return;
    log.error('cluster worker exited; starting a replacement', { worker: w.id, code, signal });
    replace(hadFrontDoor, slot);
  });
  for (let i = 0; i < o.workers; i++) if (!fork(i === 0, i + 1)) replace(i === 0, i + 1);

  let radius: RunningRadius | undefined;
  if (config.radius) radius = await startRadius({ config: config.radius, country: config.operator.country, store, registry, log, listen: o.radiusListen });
  log.info('hedge cluster started', {
    pid: process.pid,
    workers: o.workers,
    bindingStore: store.kind,
    radius: radius ? `${radius.address.address}:${radius.address.port}` : undefined,
  });

  // reload.watch: one watcher, in the primary, starting the cluster's reload (never one reload per worker).
  const watcher = config.reload.watch
    ? watchPolicyFile(
        loaded.file,
        config.reload.debounceMs,
        () => void reloads.reload('watch').catch((err: unknown) => log.error('policy reload failed', { error: (err as Error).name })),
        log,
      )
    : undefined;

  let stopped: Promise<void> | undefined;
  return {
    radius,
    reload: (trigger) => reloads.reload(trigger),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const { timer } of timers.values()) clearTimeout(timer);
        watcher?.close();
        statics?.stop();
        await radius?.close();
        const exits = [...live].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
        for (const w of live) w.process.kill('SIGTERM');
        const force = setTimeout(() => {
          for (const w of live) w.process.kill('SIGKILL');
        }, config.proxy.limits.drainTimeoutMs + 5000);
        await Promise.all(exits);
        clearTimeout(force);
        await store.close();
        await alerts.close();
        sharedKeys?.remove();
        snapshot.remove();
        log.info('cluster stopped');
      })();
      return stopped;
    },
  };
}

function send(w: Worker, m: PrimaryToWorker): void {
  if (w.isConnected()) w.send(m);
}
