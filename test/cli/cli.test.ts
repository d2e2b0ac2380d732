// The hedge command as an operator runs it: validate exits 1 with file:line
// key, start refuses a broken file, and the demo prints curl lines that work.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_YAML } from '../helpers/gateway.js';

const HEDGE = ['--import', 'tsx', 'src/cli/main.ts'];
const dir = mkdtempSync(join(tmpdir(), 'hedge-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hedge(args: string[]) {
  return spawnSync(process.execPath, [...HEDGE, ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('policy validate accepts the demo config', () => {
  const r = hedge(['policy', 'validate', 'examples/demo.yaml']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /valid — policy [0-9a-f]{16}, 4 partner/);
});

test('policy validate refuses a bad file with file:line and key, exit 1', () => {
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, DEMO_YAML.replace('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: shoe-size, header: X-Shoe }'));
  const r = hedge(['policy', 'validate', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ error partners\\[2\\]\\.send\\[0\\]\\.attribute: unknown attribute`));
});

test('start refuses to start on an invalid config', () => {
  const f = join(dir, 'bad2.yaml');
  writeFileSync(f, DEMO_YAML.replace('mode: forward', 'mode: forward\n  colour: blue'));
  const r = hedge(['start', '--config', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /proxy\.colour: unknown key/);
  assert.match(r.stderr, /not started/);
});

test('start on a config whose key file is missing exits 1, as validate does, with the count (it exited 2)', () => {
  const f = join(dir, 'nokeys.yaml');
  writeFileSync(f, DEMO_YAML + 'keys:\n  file: no-such-keys.json\n');
  const v = hedge(['policy', 'validate', f]);
  const r = hedge(['start', '--config', f, '--proxy', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
  assert.equal(v.status, 1, v.stderr);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /nokeys\.yaml:\d+:\d+ error keys\.file: cannot read key file .*no-such-keys\.json: ENOENT \(no such file or directory\)/);
  assert.match(r.stderr, /1 error\(s\) in the config; not started/);
});

test('config schema prints a JSON Schema', () => {
  const r = hedge(['config', 'schema']);
  assert.equal(r.status, 0);
  const s = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
  assert.ok(s.properties.partners && s.properties.proxy);
});

test('hedge demo starts the demo network and its printed curl lines show the documented results', async () => {
  const child = spawn(
    process.execPath,
    [
      ...HEDGE,
      'demo',
      '--front-door',
      '127.0.0.1:0',
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
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const deadline = Date.now() + 30_000;
    while (!out.includes('Ctrl-C stops the demo') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(out.includes('Ctrl-C stops the demo'), 'demo printed its instructions');
    const curls = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('curl -s -x'));
    assert.equal(curls.length, 7);
    const run = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 10_000 });
    const results = curls.map((c) => JSON.parse(run(c)) as { host: string; headers: Record<string, string>; verdict?: string });
    assert.deepEqual(
      results.filter((r) => r.verdict !== undefined).map((r) => r.verdict),
      ['clean'],
      'the leak checker at check.example, a non-partner, sees a clean connection',
    );
    const by = (host: string) => results.find((r) => r.host === host)!.headers;
    assert.equal(by('my.operator.example')['x-msisdn'], '+447700900123');
    assert.equal(by('wap.operator.example')['x-up-calling-line-id'], '447700900123');
    assert.equal(by('www.agegate.example')['x-age-verified'], 'yes');
    assert.match(by('pay.billing.example')['x-subscriber-alias']!, /^[A-Za-z0-9_-]{43}$/);
    for (const r of results.filter((x) => x.host === 'news.example')) assert.ok(!JSON.stringify(r.headers).includes('4477009001'), 'news.example gets nothing');

    // The demo runs with the audit on: the report lists the partners that received the number, and the chain verifies.
    const printed = out.split('\n').map((l) => l.trim());
    const report = run(printed.find((l) => l.includes('/audit/report?format=table'))!);
    assert.match(report, /my\.operator\.example/);
    assert.match(report, /wap\.operator\.example/);
    assert.ok(!/news\.example/.test(report), 'a non-partner never appears in the disclosure report');
    const verify = printed.find((l) => l.includes(' audit verify -c '))!;
    assert.doesNotThrow(() => run(verify), 'the printed audit verify line exits 0');
    // The subscriber's own page, as printed: the demo subscriber sees what the partners above received.
    const page = run(printed.find((l) => l.startsWith('curl -s http') && l.includes('<[^>]*>'))!);
    assert.match(page, /This connection belongs to the mobile number \+447•+23\./);
    assert.match(page, /Example Mobile self-care/);
    // The front door: the printed partner command runs the whole flow as demo-bank (openid-client) and shows each step.
    const partner = printed.find((l) => l.includes('front-door-partner.mjs'))!;
    const flow = execFileSync('sh', ['-c', partner], { encoding: 'utf8', timeout: 60_000 });
    for (const stepName of [
      '[1] discovery',
      '[2a] authorise',
      '[2c] code → tokens',
      '"devicePhoneNumberVerified": true',
      '"devicePhoneNumberVerified": false',
      '"devicePhoneNumber": "+447700900123"',
      '"ageCheck": "true"',
      '"nba"',
      '"id_token_alg": "RS256"',
    ])
      assert.ok(flow.includes(stepName), `the partner flow shows ${stepName}`);
    assert.match(run(printed.find((l) => l.includes('/audit/report?format=table'))!), /demo-bank/, 'the front-door answers are in the breach report');
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
});
