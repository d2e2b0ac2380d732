// A network namespace of a test's own (ip netns, as root): real IPv6
// addresses on one machine, such as several addresses of one /64, which
// loopback (::1 only) cannot give. Everything the test starts runs inside it,
// so nothing leaves the namespace. Without root or ip netns the namespace is
// unavailable: the test skips with the reason, and under CI=true that is a
// failure (services.ts).
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { unavailable } from './services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });

export class TestNamespace {
  readonly name: string;
  /** Why the namespace could not be made; undefined once it is ready. */
  skip: string | undefined;
  private made = false;
  private readonly procs: ChildProcess[] = [];

  constructor(prefix: string) {
    this.name = `${prefix}-${process.pid}-${randomBytes(2).toString('hex')}`;
  }

  /** Makes the namespace with loopback up and each address on it (/64, no duplicate detection); false, with `skip` set, when it cannot. */
  create(addresses: readonly string[]): boolean {
    if (process.getuid?.() !== 0) return this.unavailable('not root');
    if (ip('netns', 'add', this.name).status !== 0) return this.unavailable('ip netns add failed (no CAP_SYS_ADMIN?)');
    this.made = true;
    for (const args of [['link', 'set', 'lo', 'up'], ...addresses.map((a) => ['addr', 'add', `${a}/64`, 'dev', 'lo', 'nodad'])]) {
      const r = ip('-n', this.name, ...args);
      if (r.status !== 0) return this.unavailable(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
    }
    return true;
  }

  /** Runs a command inside and waits for it. */
  exec(cmd: string, args: readonly string[], timeoutMs = 15_000): SpawnSyncReturns<string> {
    return spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs });
  }

  /** Starts Node inside, from the project root with tsx loaded (hedge's sources run as they are); stopped by destroy(). */
  node(args: readonly string[]): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', this.name, process.execPath, '--import', 'tsx', ...args], {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' },
    });
    this.procs.push(c);
    return c;
  }

  /** Waits until curl, run inside with these arguments, prints 200 (`-w %{http_code}`); throws after `ms`. */
  async untilHttp200(what: string, curlArgs: readonly string[], ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', ...curlArgs]).stdout === '200') return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what} in the namespace did not answer within ${ms / 1000} s`);
  }

  /** Stops what node() started (SIGTERM, then SIGKILL after 10 s) and deletes the namespace. */
  async destroy(): Promise<void> {
    for (const c of this.procs) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      await new Promise<void>((r) => {
        const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
        c.once('exit', () => (clearTimeout(t), r()));
        c.kill('SIGTERM');
      });
    }
    if (this.made) ip('netns', 'del', this.name);
  }

  private unavailable(why: string): false {
    this.skip = unavailable('a network namespace', why);
    return false;
  }
}
