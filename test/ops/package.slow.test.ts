// Packaging (issue 17): `npm pack` builds and packs hedge; the tarball installs
// into an empty prefix (dependencies from the npm registry, better-sqlite3
// built there; the partner kit, a workspace package not on the registry, is
// bundled) and runs: `hedge --version`, `import('hedge')`, `hedge demo` on
// loopback answering through its proxy. The systemd unit is verified against
// that installed binary with `systemd-analyze verify`. One install, several checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { viaProxy } from '../helpers/gateway.js';
import { unavailable } from '../helpers/services.js';

const run = promisify(execFile);
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const hasSystemd = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim() !== '';
let dir = '';
let prefix = '';
let hedgeBin = '';
let files: string[] = [];

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'hedge-pack-'));
    prefix = join(dir, 'prefix');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    files = info[0]!.files.map((f) => f.path);
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, info[0]!.filename)], {
      timeout: 480_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    hedgeBin = join(prefix, 'bin', 'hedge');
  },
  { timeout: 600_000 },
);
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the built CLI, the "." export, examples, deploy files and the changelog', () => {
  for (const f of [
    'dist/cli/main.js',
    'dist/index.js',
    'dist/index.d.ts',
    'node_modules/hedge-partner/dist/index.js',
    'examples/demo.yaml',
    'deploy/systemd/hedge.service',
    'deploy/prometheus/alerts.yml',
    'deploy/grafana/hedge.json',
    'schema/hedge.schema.json',
    'CHANGELOG.md',
    'package.json',
  ])
    assert.ok(files.includes(f), `${f} is packed`);
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('src/')), 'no tests or TypeScript sources in the package');
  assert.ok(
    !files.some((f) => f.startsWith('node_modules/') && !/^node_modules\/(hedge-partner|jose)\//.test(f)),
    'only the partner kit (and its jose) is bundled: it is not on the registry',
  );
});

test('installed into an empty prefix: hedge --version and import("hedge")', async () => {
  const v = await run(hedgeBin, ['--version'], { timeout: 30_000 });
  assert.equal(v.stdout.trim(), VERSION);
  const imp = await run(
    process.execPath,
    ['--input-type=module', '-e', "const h = await import('hedge'); console.log(typeof h.startGateway, typeof h.loadConfigFile, h.VERSION)"],
    { cwd: join(prefix, 'lib'), timeout: 30_000 },
  );
  assert.equal(imp.stdout.trim(), `function function ${VERSION}`);
});

test('installed hedge demo runs on loopback and enriches through its proxy', { timeout: 120_000 }, async () => {
  const demo = spawn(
    hedgeBin,
    [
      'demo',
      '--proxy',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--origin',
      '127.0.0.1:0',
      '--checker',
      '127.0.0.1:0',
      '--transparency',
      '127.0.0.1:0',
      '--front-door',
      '127.0.0.1:0',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    },
  );
  let out = '';
  let err = '';
  demo.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  demo.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  try {
    const end = Date.now() + 60_000;
    while (!/proxy\s+http:\/\/127\.0\.0\.1:(\d+)/.test(out)) {
      if (Date.now() > end || demo.exitCode !== null) throw new Error(`the demo did not start:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const port = Number(/proxy\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const r = await viaProxy({ port } as never, 'http://my.operator.example/');
    assert.equal(r.status, 200);
    assert.equal(r.json().headers['x-msisdn'], '+447700900123');
    assert.equal((await viaProxy({ port } as never, 'http://news.example/')).json().headers['x-msisdn'], undefined);
  } finally {
    demo.kill('SIGTERM');
    const t = setTimeout(() => demo.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(t);
    assert.equal(code, 0, `the demo drains and exits 0 on SIGTERM\n${err.slice(-2000)}`);
  }
});

test(
  'systemd-analyze verify passes on deploy/systemd/hedge.service (ExecStart = the installed hedge)',
  { skip: hasSystemd ? undefined : unavailable('systemd-analyze', "install Debian's systemd package") },
  () => {
    const unit = readFileSync('deploy/systemd/hedge.service', 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/bin\/hedge start --config \/etc\/hedge\/hedge\.yaml$/m);
    for (const k of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_ADMIN', 'AmbientCapabilities=CAP_NET_BIND_SERVICE'])
      assert.ok(unit.includes(`\n${k}\n`), `${k} is set`);
    // The unit names /usr/bin/hedge; here the same binary lives in the test prefix.
    const file = join(dir, 'hedge.service');
    writeFileSync(file, unit.replaceAll('/usr/bin/hedge', hedgeBin));
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'no warnings');
    const security = spawnSync('systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8', timeout: 60_000 });
    const m = /Overall exposure level for hedge\.service: ([\d.]+)/.exec(security.stdout + security.stderr);
    assert.ok(m, security.stdout + security.stderr);
    assert.ok(Number(m[1]) <= 2.5, `exposure ${m[1]} (systemd-analyze security)`);
  },
);
