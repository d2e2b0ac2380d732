// Real Redis topologies for tests, started from the installed binaries on
// loopback ports chosen free, in temp dirs, killed (and the dirs removed) by
// stop(): a 3-master Redis Cluster, and a Sentinel-managed primary/replica
// pair with one sentinel (small failover timeouts so a failover takes seconds).
// With a lab PKI (test/helpers/pki.ts) every server, the cluster bus, the
// replication link and the sentinel speak TLS only (port 0, tls-port), and the
// spec is the rediss… one.
// When a binary is missing: a skip message, a failure under CI=true.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { unavailable } from './services.js';
import type { LabPki } from './pki.js';

export interface Topology {
  /** The `subscribers.store` spec for hedge. */
  spec: string;
  stop(): Promise<void>;
}

export interface SentinelTopology extends Topology {
  masterName: string;
  /** Ports of the current primary and replica as started (the primary is killed by killPrimary). */
  primaryPort: number;
  replicaPort: number;
  sentinelPort: number;
  /** SIGKILLs the primary; resolves at once (the sentinel notices after down-after-milliseconds). */
  killPrimary(): Promise<void>;
  /** Resolves with the port Sentinel names as primary once it is not `from` (bounded). */
  waitForFailover(from: number, ms: number): Promise<number>;
}

function which(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim() !== '';
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 25000);
    if (taken.has(p) || taken.has(p + 10000)) continue;
    if ((await portFree(p)) && (await portFree(p + 10000))) {
      taken.add(p);
      taken.add(p + 10000);
      return p;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not ready within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One command to a server of the topology (over TLS when it speaks TLS), then disconnect. */
async function ask(tls: LabPki | undefined, port: number, ...cmd: string[]): Promise<unknown> {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    ...(tls ? { tls: { ca: tls.ca } } : {}),
  });
  c.on('error', () => {});
  try {
    await c.connect();
    return await c.call(cmd[0]!, ...cmd.slice(1));
  } finally {
    c.disconnect();
  }
}

class Procs {
  readonly list: ChildProcess[] = [];
  constructor(readonly dir: string) {}
  start(bin: string, args: string[]): ChildProcess {
    const c = spawn(bin, args, { stdio: 'ignore', cwd: this.dir });
    this.list.push(c);
    return c;
  }
  async kill(c: ChildProcess): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGKILL');
    });
  }
  async stop(): Promise<void> {
    await Promise.all(this.list.map((c) => this.kill(c)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const LOOPBACK_NO_PERSISTENCE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
const serverArgs = (port: number, tls?: LabPki) => [
  ...(tls ? ['--port', '0', '--tls-port', String(port), ...tlsFiles(tls), '--tls-replication', 'yes', '--tls-cluster', 'yes'] : ['--port', String(port)]),
  ...LOOPBACK_NO_PERSISTENCE,
];
/** The TLS settings every server and the sentinel share, as [name, value]: command-line flags for the one, config lines for the other. */
const tlsSettings = (t: LabPki) => [
  ['tls-cert-file', join(t.dir, 'leaf.pem')],
  ['tls-key-file', join(t.dir, 'leaf.key')],
  ['tls-ca-cert-file', t.caFile],
  ['tls-auth-clients', 'no'],
];
const tlsFiles = (t: LabPki) => tlsSettings(t).flatMap(([k, v]) => [`--${k}`, v!]);
const scheme = (base: string, tls?: LabPki) => (tls ? base.replace(/^redis/, 'rediss') : base);

/** One Redis server speaking TLS only, on a free port (the PKI's certificate must name 127.0.0.1). */
export async function startRedisTls(tls: LabPki): Promise<Topology | string> {
  if (!which('redis-server')) return unavailable('Redis over TLS', 'no redis-server binary');
  const procs = new Procs(mkdtempSync(join(tmpdir(), 'hedge-rtls-')));
  try {
    const port = await freeClusterPort(new Set());
    procs.start('redis-server', [...serverArgs(port, tls), '--dir', procs.dir]);
    await waitFor('TLS server', 5000, async () => ((await ask(tls, port, 'PING')) === 'PONG' ? true : undefined));
    return { spec: `rediss://127.0.0.1:${port}`, stop: () => procs.stop() };
  } catch (err) {
    await procs.stop();
    throw err;
  }
}

/** A 3-master Redis Cluster (no replicas). */
export async function startRedisCluster(tls?: LabPki): Promise<Topology | string> {
  if (!which('redis-server') || !which('redis-cli')) return unavailable('Redis Cluster', 'no redis-server/redis-cli binaries');
  const procs = new Procs(mkdtempSync(join(tmpdir(), 'hedge-rcluster-')));
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) ports.push(await freeClusterPort(taken));
    for (const p of ports)
      procs.start('redis-server', [
        ...serverArgs(p, tls),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${p}.conf`,
        '--cluster-node-timeout',
        '2000',
        '--dir',
        procs.dir,
      ]);
    for (const p of ports) await waitFor(`cluster node ${p}`, 5000, async () => ((await ask(tls, p, 'PING')) === 'PONG' ? true : undefined));
    const cliTls = tls ? ['--tls', '--cacert', tls.caFile] : [];
    const create = spawnSync('redis-cli', [...cliTls, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout.slice(-300)} ${create.stderr.slice(-300)}`);
    for (const p of ports)
      await waitFor(`cluster state on ${p}`, 10_000, async () => (String(await ask(tls, p, 'CLUSTER', 'INFO')).includes('cluster_state:ok') ? true : undefined));
    return { spec: scheme(`redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, tls), stop: () => procs.stop() };
  } catch (err) {
    await procs.stop();
    throw err;
  }
}

/** A primary, one replica and one sentinel (quorum 1, down-after 1000 ms). */
export async function startRedisSentinel(tls?: LabPki): Promise<SentinelTopology | string> {
  if (!which('redis-server') || !which('redis-sentinel')) return unavailable('Redis Sentinel', 'no redis-server/redis-sentinel binaries');
  const procs = new Procs(mkdtempSync(join(tmpdir(), 'hedge-rsentinel-')));
  const masterName = 'hedgeprimary';
  try {
    const taken = new Set<number>();
    const [primaryPort, replicaPort, sentinelPort] = [await freeClusterPort(taken), await freeClusterPort(taken), await freeClusterPort(taken)];
    const primary = procs.start('redis-server', [...serverArgs(primaryPort, tls), '--dir', procs.dir]);
    await waitFor('primary', 5000, async () => ((await ask(tls, primaryPort, 'PING')) === 'PONG' ? true : undefined));
    procs.start('redis-server', [...serverArgs(replicaPort, tls), '--dir', procs.dir, '--replicaof', '127.0.0.1', String(primaryPort)]);
    await waitFor('replica in sync', 10_000, async () => (/slave0:.*state=online/.test(String(await ask(tls, primaryPort, 'INFO', 'replication'))) ? true : undefined));
    const conf = join(procs.dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        ...(tls ? ['port 0', `tls-port ${sentinelPort}`, 'tls-replication yes', ...tlsSettings(tls).map(([k, v]) => `${k} ${v}`)] : [`port ${sentinelPort}`]),
        'bind 127.0.0.1',
        `dir ${procs.dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    procs.start('redis-sentinel', [conf]);
    await waitFor('sentinel sees the replica', 15_000, async () => {
      const replicas = (await ask(tls, sentinelPort, 'SENTINEL', 'REPLICAS', masterName)) as string[][];
      return replicas.some((r) => {
        const flags = r[r.indexOf('flags') + 1] ?? '';
        return flags === 'slave';
      })
        ? true
        : undefined;
    });
    const primaryOf = async () => Number(((await ask(tls, sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as string[])[1]);
    return {
      spec: scheme(`redis-sentinel://127.0.0.1:${sentinelPort}/${masterName}`, tls),
      masterName,
      primaryPort,
      replicaPort,
      sentinelPort,
      killPrimary: () => procs.kill(primary),
      waitForFailover: (from, ms) =>
        waitFor('sentinel failover', ms, async () => {
          const p = await primaryOf();
          return p !== from ? p : undefined;
        }),
      stop: () => procs.stop(),
    };
  } catch (err) {
    await procs.stop();
    throw err;
  }
}
