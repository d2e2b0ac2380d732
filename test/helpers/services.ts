// Real Redis and PostgreSQL for tests. Order of preference:
//   1. REDIS_URL / DATABASE_URL when set;
//   2. the local server on the standard loopback port, if it answers;
//   3. a throwaway server started from the binary, if installed;
//   4. otherwise skip with a message — except under CI=true, where a missing
//      service fails the run (a skip would hide it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { IN_CI } from './gateway.js';

export interface Service {
  url: string;
  stop(): Promise<void>;
}

/** Returns a message to pass to t.skip(), or throws under CI. */
export function unavailable(what: string, why: string): string {
  const msg = `${what} unavailable: ${why}`;
  if (IN_CI) throw new Error(`${msg} (CI=true: a missing service is a failure, not a skip)`);
  return msg;
}

function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForPort(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return p || undefined;
}

/** A Redis server: REDIS_URL, the local one, or a throwaway one. Returns a skip message when none. */
export async function redisService(): Promise<Service | string> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  if (await portOpen(6379)) return { url: 'redis://127.0.0.1:6379', stop: async () => {} };
  const bin = which('redis-server');
  if (!bin) return unavailable('Redis', 'REDIS_URL not set, nothing on 127.0.0.1:6379, no redis-server binary');
  return startThrowawayRedis(bin);
}

/** Always a private throwaway Redis (for tests that stop and restart it). */
export async function throwawayRedis(): Promise<Service | string> {
  const bin = which('redis-server');
  if (!bin) return unavailable('Redis', 'no redis-server binary to start a throwaway server');
  return startThrowawayRedis(bin);
}

export async function startThrowawayRedis(
  bin = 'redis-server',
  port?: number,
  password?: string,
): Promise<Service & { port: number; restart(): Promise<void>; kill(): Promise<void> }> {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])], { stdio: 'ignore' });
    if (!(await waitForPort(p, 5000))) throw new Error('throwaway redis did not start');
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const c = child;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${p}`, port: p, stop: kill, kill, restart: start };
}

/** A PostgreSQL database: DATABASE_URL, the local server's `test` database, or a throwaway cluster. */
export async function postgresService(): Promise<Service | string> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  if (await portOpen(5432)) return { url: 'postgres://postgres@127.0.0.1:5432/test', stop: async () => {} };
  const initdb = findPgBin('initdb');
  const pgctl = findPgBin('pg_ctl');
  if (!initdb || !pgctl) return unavailable('PostgreSQL', 'DATABASE_URL not set, nothing on 127.0.0.1:5432, no initdb/pg_ctl');
  const dir = mkdtempSync(join(tmpdir(), 'hedge-pg-'));
  const port = await freePort();
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  spawnSync('chown', ['-R', 'postgres', dir]);
  const init = spawnSync(asPostgres[0] ?? initdb, [...asPostgres.slice(1), ...(asPostgres.length ? [initdb] : []), '-D', dir, '-A', 'trust', '-U', 'postgres'], {
    encoding: 'utf8',
  });
  if (init.status !== 0) return unavailable('PostgreSQL', `initdb failed: ${init.stderr.slice(0, 200)}`);
  const run = (args: string[]) => spawnSync(asPostgres[0] ?? pgctl, [...asPostgres.slice(1), ...(asPostgres.length ? [pgctl] : []), ...args], { encoding: 'utf8' });
  const st = run(['-D', dir, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-w', 'start']);
  if (st.status !== 0) return unavailable('PostgreSQL', `pg_ctl start failed: ${st.stderr.slice(0, 200)}`);
  spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE test'], { encoding: 'utf8' });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    stop: async () => {
      run(['-D', dir, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findPgBin(name: string): string | undefined {
  const onPath = which(name);
  if (onPath) return onPath;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  for (const v of readdirSync(base).sort().reverse()) {
    const p = join(base, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Deletes what a test wrote under its own key prefix (a shared Redis keeps everything else), then stops the service. */
export async function dropKeysAndStop(redis: Service, prefix: string): Promise<void> {
  const r = new Redis(redis.url);
  try {
    const keys = await r.keys(prefix + '*');
    if (keys.length) await r.del(...keys);
  } finally {
    await r.quit();
  }
  await redis.stop();
}
