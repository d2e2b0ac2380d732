// hedge start --config FILE: run a gateway until SIGTERM/SIGINT (graceful drain).
import type { Command } from 'commander';
import { startGateway, type RunningGateway } from '../gateway.js';
import { loadOrExit } from './load-or-exit.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the gateway')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--proxy <host:port>', 'override proxy.listen')
    .option('--admin <host:port>', 'override admin.listen')
    .option('--connect-ports <list>', 'ports CONNECT may reach, comma-separated ("any" for all)', '443')
    .action(async (o: { config: string; proxy?: string; admin?: string; connectPorts: string }) => {
      const loaded = loadOrExit(o.config);
      const gw = await startGateway(loaded, { proxyListen: o.proxy, adminListen: o.admin, connectPorts: parsePorts(o.connectPorts) });
      stopOnSignals(gw);
    });
}

export function parsePorts(s: string): number[] {
  if (s === 'any') return [];
  return s.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--connect-ports: "${p}" is not a port`);
    return n;
  });
}

export function stopOnSignals(gw: RunningGateway, extra?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      gw.log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    gw.log.info('signal received; draining', { signal });
    gw.stop()
      .then(() => extra?.())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
