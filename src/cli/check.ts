// hedge check: run the public leak-check site ("what does my phone tell
// websites?") on plain HTTP and/or HTTPS until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { fileErrorText } from '../shared/file-error-text.js';
import { readFileSync } from 'node:fs';
import { parseListen } from '../config/schema.js';
import { createLogger } from '../shared/log.js';
import { CheckerServer, DEFAULT_CHECKER_LIMITS } from '../checker/server.js';
import { parseRate } from '../checker/rate-limit.js';
import { startMetricsListener, type RunningMetricsListener } from '../checker/metrics-listener.js';
import { registerProcessMetrics } from '../shared/process-metrics.js';
import { Registry } from 'prom-client';

interface CheckFlags {
  listen: string;
  httpsListen?: string;
  cert?: string;
  key?: string;
  trustProxy: string[];
  rateLimit: string;
  plainUrl?: string;
  country?: string;
  http: boolean;
  maxConnections?: string;
  maxConnectionsPerAddress?: string;
  metricsListen?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('run the leak-check site: shows visitors what their connection told it (page at /, JSON at /api/check)')
    .option('--listen <host:port>', 'plain-HTTP listen address', '127.0.0.1:8082')
    .option('--no-http', 'serve HTTPS only')
    .option('--https-listen <host:port>', 'HTTPS listen address (needs --cert and --key)')
    .option('--cert <file>', 'PEM certificate chain for HTTPS')
    .option('--key <file>', 'PEM private key for HTTPS')
    .option('--trust-proxy <cidr>', 'reverse proxy address or CIDR whose X-Forwarded-For is believed (repeatable)', collect, [])
    .option('--rate-limit <n/unit>', 'requests per client address, e.g. 60/min, 5/s', '60/min')
    .option('--plain-url <url>', 'the plain-HTTP address of this checker, offered to HTTPS visitors')
    .option('--country <CC>', 'ISO country whose national-format numbers count as phone numbers (e.g. GB)')
    .option('--max-connections <n>', 'connections per listener in total; beyond it new ones are closed at accept', String(DEFAULT_CHECKER_LIMITS.maxConnections))
    .option(
      '--max-connections-per-address <n>',
      'connections per listener from one client (an IPv4 address or an IPv6 /64; trusted proxies exempt)',
      String(DEFAULT_CHECKER_LIMITS.maxConnectionsPerAddress),
    )
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics (/metrics) and /healthz on this address, for the operator (not the public)')
    .action(async (o: CheckFlags) => {
      const options = checkerOptions(o);
      const metricsAt = o.metricsListen === undefined ? undefined : parseListenFlag('--metrics-listen', o.metricsListen);
      const registry = new Registry();
      if (metricsAt) registerProcessMetrics(registry, { gcDurations: false });
      const server = new CheckerServer({ ...options, registry });
      const running = await server.listen();
      let scrape: RunningMetricsListener | undefined;
      try {
        if (metricsAt) scrape = await startMetricsListener({ ...metricsAt, registry, log: options.log });
      } catch (err) {
        await running.close();
        throw new Error(`--metrics-listen ${o.metricsListen}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
      }
      const lines = [
        running.httpUrl && `  page  ${running.httpUrl}/      JSON  ${running.httpUrl}/api/check`,
        running.httpsUrl && `  page  ${running.httpsUrl}/      JSON  ${running.httpsUrl}/api/check`,
        scrape && `  metrics  ${scrape.url}/metrics`,
      ];
      console.log(`hedge leak checker is running\n${lines.filter(Boolean).join('\n')}\nIt stores nothing about visitors and logs no header values. Ctrl-C stops it.`);
      const stop = () => void Promise.all([running.close(), scrape?.close()]).then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}

function collect(v: string, prev: string[]): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function parseListenFlag(flag: string, v: string): { host: string; port: number } {
  const a = parseListen(v);
  if (!a) throw new Error(`${flag}: expected host:port, got "${v}"`);
  return a;
}

export function checkerOptions(o: CheckFlags): ConstructorParameters<typeof CheckerServer>[0] {
  const listen = parseListenFlag;
  const read = (flag: string, f: string | undefined) => {
    if (!f) throw new Error(`--https-listen needs ${flag}`);
    try {
      return readFileSync(f);
    } catch (err) {
      throw new Error(`${flag} ${f}: cannot read: ${(err as NodeJS.ErrnoException).code ? fileErrorText(err) : String(err)}`, { cause: err });
    }
  };
  if (o.country !== undefined && !/^[A-Z]{2}$/.test(o.country)) throw new Error(`--country: expected an ISO 3166-1 alpha-2 code such as GB`);
  if (!o.http && !o.httpsListen) throw new Error('--no-http needs --https-listen');
  if ((o.cert || o.key) && !o.httpsListen) throw new Error('--cert/--key need --https-listen');
  const count = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^[1-9]\d{0,6}$/.test(v.trim())) throw new Error(`${flag}: expected a whole number from 1, got "${v}"`);
    return Number(v);
  };
  return {
    http: o.http ? listen('--listen', o.listen) : undefined,
    https: o.httpsListen ? { ...listen('--https-listen', o.httpsListen), cert: read('--cert', o.cert), key: read('--key', o.key) } : undefined,
    trustedProxies: o.trustProxy,
    rateLimit: parseRate(o.rateLimit),
    plainUrl: o.plainUrl,
    country: o.country,
    limits: {
      maxConnections: count('--max-connections', o.maxConnections),
      maxConnectionsPerAddress: count('--max-connections-per-address', o.maxConnectionsPerAddress),
    },
    log: createLogger({ base: { component: 'checker' } }),
  };
}
