// Issue "Bindings for today's networks", acceptance, end to end with real
// IPv6 addresses: a network namespace of the test's own (ip netns, as root)
// holds the gateway at 2001:db8:ffff::1, two phone addresses in one /64
// (2001:db8:1:2::10 and ::20) and one outside it (2001:db8:1:3::30). The
// gateway binds the prefix 2001:db8:1:2::/64 (static binding) and runs as a
// real `hedge start` process inside the namespace; curl, also inside, sends
// from each address. Nothing leaves the namespace. Without root or ip netns
// (e.g. a container without CAP_SYS_ADMIN) the test is skipped with a
// message: test/integration/ipv6-bindings.test.ts covers the same through ::1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NS = `hedge-v6-${process.pid}-${randomBytes(2).toString('hex')}`;
const GATEWAY = '2001:db8:ffff::1';
const PHONE_A = '2001:db8:1:2::10';
const PHONE_B = '2001:db8:1:2::20';
const OUTSIDE = '2001:db8:1:3::30';
const procs: ChildProcess[] = [];
let dir: string | undefined;
let skip: string | undefined;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
const inNs = (cmd: string, args: string[]) => spawnSync('ip', ['netns', 'exec', NS, cmd, ...args], { encoding: 'utf8', timeout: 15_000 });

before(async () => {
  if (process.getuid?.() !== 0) return void (skip = 'not root: cannot create a network namespace');
  if (ip('netns', 'add', NS).status !== 0) return void (skip = 'ip netns add failed (no CAP_SYS_ADMIN?)');
  for (const args of [
    ['link', 'set', 'lo', 'up'],
    ['addr', 'add', `${GATEWAY}/64`, 'dev', 'lo', 'nodad'],
    ['addr', 'add', `${PHONE_A}/64`, 'dev', 'lo', 'nodad'],
    ['addr', 'add', `${PHONE_B}/64`, 'dev', 'lo', 'nodad'],
    ['addr', 'add', `${OUTSIDE}/64`, 'dev', 'lo', 'nodad'],
  ]) {
    const r = ip('-n', NS, ...args);
    if (r.status !== 0) return void (skip = `ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'hedge-netns-'));
  const cfg = join(dir, 'hedge.yaml');
  writeFileSync(
    cfg,
    `operator: { name: Namespace Mobile, country: GB }
proxy:
  listen: "[${GATEWAY}]:8080"
  mode: forward
  resolve:
    "*.example": "[::1]:8081"
admin:
  listen: "[::1]:9090"
subscribers:
  store: memory
  static:
    - { ip: "2001:db8:1:2::/64", msisdn: "+447700900371" }
canary:
  enabled: false
partners:
  - id: selfcare
    name: Self-care
    purpose: self-care
    hosts: [my.operator.example]
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
`,
  );
  const node = (args: string[]) => {
    const c = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' } });
    procs.push(c);
  };
  node(['-e', "import('./src/demo/echo-origin.ts').then((m) => m.startEchoOrigin('::1', 8081))"]);
  node(['src/cli/main.ts', 'start', '--config', cfg]);
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (inNs('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', '-x', `http://[${GATEWAY}]:8080`, 'http://my.operator.example/']).stdout === '200') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the gateway in the namespace did not start within 60 s');
});

after(async () => {
  for (const c of procs) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    await new Promise<void>((r) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => (clearTimeout(t), r()));
      c.kill('SIGTERM');
    });
  }
  if (!skip) ip('netns', 'del', NS);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function msisdnFrom(source: string): string | undefined {
  const r = inNs('curl', ['-s', '--max-time', '5', '--interface', source, '-x', `http://[${GATEWAY}]:8080`, 'http://my.operator.example/']);
  assert.equal(r.status, 0, r.stderr);
  const echo = JSON.parse(r.stdout) as { headers: Record<string, string> };
  return echo.headers['x-msisdn'];
}

test('two addresses of a bound /64 are enriched for the partner; an address outside it is not', (t) => {
  if (skip) return t.skip(skip);
  assert.equal(msisdnFrom(PHONE_A), '+447700900371');
  assert.equal(msisdnFrom(PHONE_B), '+447700900371', 'another address of the same /64 (a new privacy address)');
  assert.equal(msisdnFrom(OUTSIDE), undefined, 'the next /64 is someone else');
});
