// hedge start --config FILE: run a gateway until SIGTERM/SIGINT (graceful drain).
// --workers N (N > 1) runs N worker processes sharing the listeners (node:cluster);
// the primary owns the RADIUS listener and keeps the workers' bindings in step.
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { startGateway, type RunningGateway } from '../node/gateway.js';
import { createLogger, logLevelOf, type Logger } from '../shared/log.js';
import { loadOrExit } from './load-or-exit.js';
import { parseListen } from '../config/schema.js';
import { adminExposureProblem } from '../config/admin-exposure.js';
import { workersIssues } from '../config/workers.js';
import { formatIssue } from '../shared/errors.js';
import { CONFIG_SNAPSHOT_ENV, CONFIG_STARTED_ENV } from '../cluster/config-snapshot.js';
import { withPolicyOf } from '../config/reloadable.js';
import type { LoadedConfig } from '../config/load.js';
import { checkPidFile, writePidFile } from './pid-file.js';
import { capYoungGeneration } from './young-generation.js';
import { releaseOptimizingCompiler } from './optimizing-compiler.js';

interface StartOptions {
  config: string;
  proxy?: string;
  admin?: string;
  radius?: string;
  connectPorts: string;
  workers: string;
  pidFile?: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the gateway')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--proxy <host:port>', 'override proxy.listen')
    .option('--admin <host:port>', 'override admin.listen')
    .option('--radius <host:port>', 'override radius.listen')
    .option('--connect-ports <list>', 'ports CONNECT may reach, comma-separated ("any" for all)', '443')
    .option('--workers <n>', 'worker processes sharing the listeners on this host (node:cluster)', '1')
    .option('--pid-file <file>', 'write the pid to signal (HUP reloads, TERM drains) to this file once started; removed at exit')
    .action(async (o: StartOptions) => {
      const workers = parseWorkers(o.workers);
      const loaded = cluster.isWorker ? loadWorkerConfig(o.config) : loadOrExit(o.config, 'not started');
      // The admin server refuses an exposed address itself; checked here too so that --workers fails once, not in every worker.
      checkAdminOverride(o.admin, loaded.config.admin.token);
      // What the config cannot do with several workers (e.g. the subscriber page's consent choices with the memory store).
      const clash = workersIssues(loaded.config, loaded.file, loaded.lineOf, workers);
      if (clash.length > 0) {
        for (const i of clash) console.error(formatIssue(i));
        console.error(`${loaded.file}: ${clash.length} error(s) with --workers ${workers}; not started`);
        process.exit(1);
      }
      // Fail before binding anything when another gateway owns the pid file.
      if (o.pidFile && cluster.isPrimary) checkPidFile(o.pidFile);
      if (workers > 1 && cluster.isPrimary) {
        const log = createLogger({ base: { node: 'primary' } });
        // The cluster primary (and its RADIUS listener) is loaded only with --workers.
        const { startPrimary } = await import('../node/cluster-primary.js');
        const primary = await startPrimary(loaded, { workers, radiusListen: o.radius, log });
        capYoungGeneration();
        releaseOptimizingCompiler();
        if (o.pidFile) writePidFile(o.pidFile);
        onSignals((signal) => {
          log.info('signal received; stopping workers', { signal });
          return primary.stop();
        });
        // SIGHUP to the primary reloads the policy in every worker or in none (node/cluster-reload.ts).
        process.on('SIGHUP', () => {
          log.info('SIGHUP: reloading the policy in every worker');
          primary.reload('sighup').catch((err: unknown) => log.error('policy reload failed', { error: (err as Error).name }));
        });
        process.on('SIGUSR2', () => {
          toggleDebugLogging(log);
          for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGUSR2');
        });
        return;
      }
      const opts = { proxyListen: o.proxy, adminListen: o.admin, radiusListen: o.radius, connectPorts: parsePorts(o.connectPorts) };
      const gw = cluster.isWorker ? await (await import('../node/cluster-worker.js')).startWorkerGateway(loaded, opts) : await startGateway(loaded, opts);
      stopOnSignals(gw);
      reloadOnSighup(gw);
      capYoungGeneration();
      releaseOptimizingCompiler();
      if (o.pidFile && cluster.isPrimary) writePidFile(o.pidFile);
      process.on('SIGUSR2', () => toggleDebugLogging(gw.log));
    });
}

/**
 * A --workers worker starts with the primary's copy of the policy in force, within the sections as the cluster
 * started: a reload that changed proxy.listen said restartNeeded, and a replacement worker must not take it
 * (cluster/config-snapshot.ts, config/reloadable.ts).
 */
function loadWorkerConfig(file: string): LoadedConfig {
  const inForce = loadOrExit(file, 'not started', process.env[CONFIG_SNAPSHOT_ENV]);
  const startedFrom = process.env[CONFIG_STARTED_ENV];
  return startedFrom ? withPolicyOf(loadOrExit(file, 'not started', startedFrom), inForce) : inForce;
}

/** SIGUSR2: debug logging on; again: back to the level the process started with. */
export function toggleDebugLogging(log: Logger): void {
  const level = logLevelOf(log);
  if (!level) return;
  const previous = level.get();
  const now = level.toggleDebug();
  log.warn('log level changed', { logLevel: now, previous, by: 'SIGUSR2' });
}

/** SIGHUP: safe policy reload (validate, lint, exposure diff, canary on the new pipeline, swap). */
export function reloadOnSighup(gw: RunningGateway): void {
  process.on('SIGHUP', () => {
    gw.log.info('SIGHUP: reloading the policy');
    gw.reload('sighup').catch((err: unknown) => gw.log.error('policy reload failed', { error: (err as Error).name }));
  });
}

/** `--admin host:port`: well-formed, and on loopback unless admin.token is set (admin/exposure.ts). */
export function checkAdminOverride(flag: string | undefined, token: string | undefined): void {
  if (flag === undefined) return;
  const a = parseListen(flag);
  if (!a) throw new Error(`--admin: expected host:port (IPv6 as [::1]:port), got "${flag}"`);
  const problem = adminExposureProblem(a.host, token);
  if (problem) throw new Error(`--admin ${flag}: ${problem}`);
}

export function parseWorkers(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`--workers: "${s}" is not a number of processes (1-256)`);
  return n;
}

export function parsePorts(s: string): number[] {
  if (s === 'any') return [];
  return s.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--connect-ports: "${p}" is not a port`);
    return n;
  });
}

function onSignals(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) process.exit(1); // second signal: now
    stopping = true;
    stop(signal)
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}

export function stopOnSignals(gw: RunningGateway, extra?: () => Promise<void>): void {
  onSignals((signal) => {
    gw.log.info('signal received; draining', { signal });
    return gw.stop().then(() => extra?.());
  });
}
