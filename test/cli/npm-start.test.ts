// Issue 13, start and signals: `npm start` under a shell, as the docs say.
// The gateway logs its pid and writes --pid-file; HUP to that pid reloads the
// policy, TERM drains and stops it, npm and the shell exit with it, and nothing
// is left running. A second start finds dist/ current and does not rebuild.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_YAML } from '../helpers/gateway.js';
import { ROOT } from '../helpers/audit.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';

const dir = mkdtempSync(join(tmpdir(), 'hedge-npm-start-'));
let origin: EchoOrigin | undefined;
after(async () => {
  await origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  sh: ChildProcess;
  lines: Record<string, unknown>[];
  text: () => string;
  waitFor(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** `sh -c "npm start -- …"` in its own process group, stderr parsed as log lines. */
function npmStart(args: string): Run {
  const sh = spawn('sh', ['-c', `npm start -- ${args}`], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEDGE_LOG_LEVEL: 'info' } });
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  let buf = '';
  const waiters = new Set<() => void>();
  sh.stdout!.on('data', (c: Buffer) => (raw += c.toString()));
  sh.stderr!.on('data', (c: Buffer) => {
    raw += c.toString();
    buf += c.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: 'text', text: line });
      }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((r) => sh.once('exit', (code) => r(code)));
  return {
    sh,
    lines,
    text: () => raw,
    exited,
    waitFor(pred, ms = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) done(() => resolve(hit));
        };
        const t = setTimeout(() => done(() => reject(new Error(`timed out; output so far:\n${raw.slice(-3000)}`))), ms);
        const gone = () => done(() => reject(new Error(`npm start exited; output:\n${raw.slice(-3000)}`)));
        const done = (f: () => void) => {
          clearTimeout(t);
          waiters.delete(check);
          sh.off('exit', gone);
          f();
        };
        waiters.add(check);
        sh.once('exit', gone);
        check();
      });
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('npm start: HUP to the logged pid reloads, TERM drains, nothing is left running; a current dist/ is not rebuilt', { timeout: 300_000 }, async () => {
  origin = await startEchoOrigin('127.0.0.1', 0);
  const cfg = join(dir, 'hedge.yaml');
  const pidFile = join(dir, 'hedge.pid');
  const yaml = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
  writeFileSync(cfg, yaml);
  const args = `--config ${cfg} --pid-file ${pidFile}`;

  // First start: builds dist/ only if it is missing or older than src/.
  const first = npmStart(args);
  try {
    const started = await first.waitFor((l) => l.msg === 'hedge started');
    const pid = started.pid as number;
    assert.ok(Number.isInteger(pid) && pid !== first.sh.pid, 'the gateway, not the shell, logs its pid');
    await until('the pid file', () => existsSync(pidFile));
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(pid));
    process.kill(pid, 'SIGTERM');
    assert.equal(await first.exited, 0, first.text());
  } finally {
    if (groupAlive(first.sh.pid!)) process.kill(-first.sh.pid!, 'SIGKILL');
  }

  const second = npmStart(args);
  try {
    const started = await second.waitFor((l) => l.msg === 'hedge started');
    assert.ok(!second.text().includes('launch: building'), `dist/ is current: no rebuild\n${second.text()}`);
    const pid = started.pid as number;
    await until('the pid file', () => existsSync(pidFile));
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(pid));
    // The logged pid is the process that runs the gateway: its command line is the launcher's.
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /scripts\/launch\.mjs\0start/);

    writeFileSync(cfg, yaml.replace('hosts: ["*.agegate.example"]', 'hosts: ["*.agegate.example", "kids.example"]'));
    process.kill(pid, 'SIGHUP');
    const reloaded = await second.waitFor((l) => l.msg === 'policy reloaded', 60_000);
    assert.notEqual(reloaded.to, reloaded.from, 'a new policy version is in force');
    assert.equal(reloaded.trigger, 'sighup');
    assert.ok(groupAlive(second.sh.pid!), 'HUP did not stop anything');

    process.kill(pid, 'SIGTERM');
    await second.waitFor((l) => l.msg === 'draining');
    await second.waitFor((l) => l.msg === 'stopped');
    assert.equal(await second.exited, 0, 'npm exits with the gateway, successfully');
    await until('the process group to be empty', () => !groupAlive(second.sh.pid!));
    assert.ok(!existsSync(pidFile), 'the pid file is removed at exit');
  } finally {
    if (groupAlive(second.sh.pid!)) process.kill(-second.sh.pid!, 'SIGKILL');
  }
});

test('--pid-file owned by another live process: refused before anything listens', async () => {
  const { hedgeCli } = await import('../helpers/audit.js');
  const pidFile = join(dir, 'taken.pid');
  writeFileSync(pidFile, `${process.pid}\n`); // this test process: alive, and not the gateway
  const r = await hedgeCli(['start', '-c', 'examples/demo.yaml', '--proxy', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--pid-file', pidFile]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`--pid-file .*taken\\.pid: process ${process.pid} is running and owns it`));
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(process.pid), 'left as it was');
});
