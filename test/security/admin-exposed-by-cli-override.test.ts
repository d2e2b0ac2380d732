// Threat: the admin API (everyone's number, IMSI and IMEI; binding writes)
// exposed beyond loopback without a token because the address came from a
// command-line flag, the demo or an embedding program instead of the config
// file that validation checks. Whatever sets the address, the admin server
// refuses to listen beyond loopback without admin.token — before it binds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../../src/node/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import { HedgeError } from '../../src/shared/errors.js';
import { writeConfig } from '../helpers/hedge-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const YAML = 'operator: {name: T, country: GB}\nproxy: {listen: "127.0.0.1:0"}\nadmin: {listen: "127.0.0.1:0"}\ncanary: {enabled: false}\n';

/** Runs the CLI to its end (bounded), collecting stderr. */
function run(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, stderr, timedOut: signal === 'SIGKILL' });
    });
  });
}

const cases: [string, string][] = [
  ['0.0.0.0:0', 'all IPv4 addresses'],
  ['[::]:0', 'all IPv6 addresses'],
];

for (const [addr, what] of cases) {
  test(`hedge start --admin ${addr} (${what}) without admin.token is refused before listening`, async () => {
    const cfg = writeConfig(YAML);
    try {
      const r = await run(['start', '-c', cfg.file, '--proxy', '127.0.0.1:0', '--admin', addr]);
      assert.equal(r.timedOut, false, 'the gateway must not start');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /--admin .*admin\.token/);
      assert.doesNotMatch(r.stderr, /hedge started/);
    } finally {
      cfg.cleanup();
    }
  });
}

test('hedge demo --admin 0.0.0.0:0 is refused before listening', async () => {
  const r = await run([
    'demo',
    '--front-door',
    '127.0.0.1:0',
    '--proxy',
    '127.0.0.1:0',
    '--admin',
    '0.0.0.0:0',
    '--origin',
    '127.0.0.1:0',
    '--checker',
    '127.0.0.1:0',
    '--transparency',
    '127.0.0.1:0',
  ]);
  assert.equal(r.timedOut, false, 'the demo must not start');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /admin\.token/);
});

test('an embedding program overriding the admin address gets HEDGE_ERR_ADMIN_EXPOSED, and nothing keeps listening', async () => {
  await assert.rejects(
    startGateway(parseConfig(YAML, 't.yaml'), { adminListen: '0.0.0.0:0', log: silentLogger }),
    (e: unknown) => e instanceof HedgeError && e.code === 'HEDGE_ERR_ADMIN_EXPOSED',
  );
});

test('beyond loopback with a token, and loopback in any spelling without one, are accepted', async () => {
  const withToken = parseConfig(YAML.replace('admin: {listen: "127.0.0.1:0"}', 'admin: {listen: "127.0.0.1:0", token: "a-long-enough-admin-token"}'), 't.yaml');
  // The token case is checked without binding beyond loopback: the check itself, then a loopback start.
  const { adminExposureProblem } = await import('../../src/config/admin-exposure.js');
  assert.equal(adminExposureProblem('0.0.0.0', 'a-long-enough-admin-token'), undefined);
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', 'localhost']) assert.equal(adminExposureProblem(host, undefined), undefined, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'admin.internal']) assert.ok(adminExposureProblem(host, undefined), host);
  const gw = await startGateway(withToken, { log: silentLogger });
  await gw.stop(100);
  const cfgIssue = (() => {
    try {
      parseConfig(YAML.replace('admin: {listen: "127.0.0.1:0"}', 'admin:\n  listen: "0.0.0.0:9090"'), 'exposed.yaml');
    } catch (err) {
      return (err as { issues?: { key: string; line: number }[] }).issues?.[0];
    }
  })();
  assert.deepEqual(cfgIssue && { key: cfgIssue.key, line: cfgIssue.line }, { key: 'admin.listen', line: 4 }, 'the config file gets the same check, with file:line:key');
});
