// `hedge start --workers N` on the demo config, every listener on a loopback
// port of its own, in front of an echo origin: what the cluster tests start
// before they reload, replace or stop workers.
import http from 'node:http';
import { dirname, join } from 'node:path';
import { generateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';
import { DEMO_YAML } from './gateway.js';
import { spawnHedge, writeConfig, type HedgeProcess, type LogLine } from './hedge-process.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';

export interface DemoCluster {
  /** The config text the cluster started with, `extraYaml` included. */
  yaml: string;
  /** The config file (in a folder of its own, removed by stop()). */
  file: string;
  node: HedgeProcess;
  origin: EchoOrigin;
  /** The workers' "hedge started" lines so far (a replacement adds one). */
  started(): LogLine[];
  stop(): Promise<void>;
}

/** The demo config pointed at `origin`, proxy and admin API on port 0, `extraYaml` appended. */
export function demoClusterYaml(origin: EchoOrigin, extraYaml = ''): string {
  return (
    DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') + extraYaml
  );
}

/**
 * Starts the cluster and waits until `workers` workers say "hedge started".
 * `edit(yaml)` changes the config text (a radius section); `prepare(file)`
 * runs before the start (secret files beside the config).
 */
export async function startDemoCluster(
  opts: { extraYaml?: string; edit?: (yaml: string) => string; workers?: number; prepare?: (file: string) => void } = {},
): Promise<DemoCluster> {
  const workers = opts.workers ?? 2;
  const origin = await startEchoOrigin('127.0.0.1', 0);
  const plain = demoClusterYaml(origin, opts.extraYaml);
  const yaml = opts.edit ? opts.edit(plain) : plain;
  const cfg = writeConfig(yaml);
  opts.prepare?.(cfg.file);
  const node = spawnHedge(['start', '-c', cfg.file, '--workers', String(workers)]);
  const started = () => node.lines.filter((l) => l.msg === 'hedge started');
  const stop = async () => {
    await node.stop();
    cfg.cleanup();
    await origin.close();
  };
  try {
    await node.waitFor(() => started().length >= workers, 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { yaml, file: cfg.file, node, origin, started, stop };
}

/** The demo cluster with a keys.file beside its config, made before the start: for tests that rotate or edit it. */
export async function startDemoClusterWithKeyFile(opts: { extraYaml?: string } = {}): Promise<DemoCluster & { keyFile: string }> {
  const c = await startDemoCluster({
    ...opts,
    edit: (yaml) => yaml.replace('partners:\n', 'keys: { file: keys.json }\npartners:\n'),
    prepare: (file) => writeKeyFile(join(dirname(file), 'keys.json'), generateKeyFile(Date.now(), { idTokenRsa: false })),
  });
  return { ...c, keyFile: join(dirname(c.file), 'keys.json') };
}

/** A partner the demo does not have, for a reload (or an unreviewed edit) that widens disclosure: news.example gets the number. */
export const NEWSDESK_PARTNER = `  - id: newsdesk
    name: Newsdesk
    purpose: analytics
    legalBasis: consent
    hosts: [news.example]
    send:
      - { attribute: msisdn, form: raw, header: X-News-MSISDN, cleartext: allowed }
`;

/** One admin API request on a fresh connection (the primary spreads connections over the workers); its status and JSON body. */
export function adminCall(port: number, method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('admin request timed out')));
    req.on('error', reject);
    req.end();
  });
}
