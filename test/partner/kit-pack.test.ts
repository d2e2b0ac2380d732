// Issue "Signatures every partner can verify", acceptance: `npm pack` of the
// partner kit installs in an empty folder with no native build, and its
// example verifies a request captured from the gateway (ed25519 and
// hmac-sha256), refusing the same capture with one byte changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, viaProxy, type Lab, type EchoBody } from '../helpers/gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HMAC_SECRET = 'demo-only-hmac-secret-not-for-production-00'; // examples/demo.yaml, partner billing
let dir: string;
let lab: Lab;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hedge-kit-pack-'));
  lab = await startLab();
});
after(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function files(d: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

test('npm pack → install in an empty folder (no native build) → the example verifies captured gateway requests', async () => {
  const pack = run('npm', ['pack', '--workspace', 'hedge-partner', '--pack-destination', dir, '--json'], ROOT);
  assert.equal(pack.status, 0, pack.err);
  const tgz = join(dir, (JSON.parse(pack.out) as { filename: string }[])[0]!.filename);

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'partner-app', private: true, type: 'module' }));
  const install = run('npm', ['install', '--prefer-offline', '--foreground-scripts', tgz], app);
  assert.equal(install.status, 0, install.err);
  const installed = files(join(app, 'node_modules'));
  assert.ok(!installed.some((f) => f.endsWith('.node') || f.endsWith('binding.gyp')), 'no native module in the installed tree');
  const packages = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
  assert.deepEqual(packages.sort(), ['hedge-partner', 'jose'], 'the kit and jose, nothing of the gateway');

  // Capture what the partners' servers receive, as a Node server would save it.
  const capture = async (url: string, name: string) => {
    const e: EchoBody = (await viaProxy(lab.gw.proxyAddress, url)).json();
    writeFileSync(join(app, name), JSON.stringify({ method: e.method, url: e.path, rawHeaders: e.rawHeaders }));
    return e;
  };
  const self = await capture('http://my.operator.example/account?x=1', 'selfcare.json');
  await capture('http://pay.billing.example/checkout', 'billing.json');
  writeFileSync(join(app, 'jwks.json'), await (await fetch(`${lab.gw.adminUrl}/.well-known/jwks.json`)).text());
  const example = join('node_modules', 'hedge-partner', 'examples', 'verify-captured.mjs');

  const a = run(process.execPath, [example, 'selfcare.json', '--partner', 'selfcare', '--jwks', 'jwks.json'], app, 30_000);
  assert.equal(a.status, 0, a.out + a.err);
  assert.match(a.out, /^verified: ed25519 signature by .* for partner selfcare/);
  assert.match(a.out, /x-msisdn: \+447700900123/);

  const b = run(process.execPath, [example, 'billing.json', '--partner', 'billing', '--hmac-secret', HMAC_SECRET], app, 30_000);
  assert.equal(b.status, 0, b.out + b.err);
  assert.match(b.out, /^verified: hmac-sha256 signature by hs-/);

  // The same capture with one byte of the number changed is refused, with the reason.
  const raw = self.rawHeaders.map((v, i) => (i > 0 && self.rawHeaders[i - 1]!.toLowerCase() === 'x-msisdn' ? v.replace(/3$/, '4') : v));
  writeFileSync(join(app, 'tampered.json'), JSON.stringify({ method: self.method, url: self.path, rawHeaders: raw }));
  const c = run(process.execPath, [example, 'tampered.json', '--partner', 'selfcare', '--jwks', 'jwks.json'], app, 30_000);
  assert.equal(c.status, 1, c.out + c.err);
  assert.match(c.out, /^refused: bad-signature/);
});
