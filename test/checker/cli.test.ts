// `hedge check` as an operator runs it: starts on the given listener, serves
// the page and the JSON, refuses bad options with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

const HEDGE = ['--import', 'tsx', 'src/cli/main.ts', 'check'];

test('hedge check serves /api/check and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [...HEDGE, '--listen', '127.0.0.1:0', '--rate-limit', '100/min'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const deadline = Date.now() + 30_000;
    while (!/JSON +http:\/\/127\.0\.0\.1:\d+\/api\/check/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /JSON +(http:\/\/127\.0\.0\.1:\d+\/api\/check)/.exec(out)?.[1];
    assert.ok(url, `printed its address: ${out}`);
    const r = await fetch(url, { headers: { 'X-MSISDN': '447700900123' } });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { verdict: string }).verdict, 'identity');
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0);
  }
});

test('hedge check refuses bad options', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [...HEDGE, ...args], { encoding: 'utf8', timeout: 60_000 });
  const a = run(['--listen', 'nowhere']);
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /--listen: expected host:port/);
  assert.match(run(['--https-listen', '127.0.0.1:0']).stderr, /--https-listen needs --cert/);
  assert.match(run(['--rate-limit', 'lots']).stderr, /rate limit "lots": expected N\/s, N\/min or N\/hour/);
  assert.match(run(['--trust-proxy', '10.0.0.0/40']).stderr, /prefix length/);
  assert.match(run(['--no-http']).stderr, /--no-http needs --https-listen/);
});
