// A real `hedge start` whose every secret comes from a file or the environment:
// partner secret and key, RADIUS shared secret, admin token, a Redis URL with a
// password (a throwaway Redis with requirepass), the alert webhook's URL and
// header. It runs; a changed secret file applies on reload; SIGUSR2 turns debug
// logging on; and nothing it wrote — logs, errors, admin answers — holds a
// secret or an identifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawnHedge, portOf } from '../helpers/hedge-process.js';
import { startThrowawayRedis, unavailable } from '../helpers/services.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { viaProxy } from '../helpers/gateway.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';
import { spawnSync } from 'node:child_process';
import { openSealed } from 'hedge-partner';

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const skip = hasRedis ? undefined : unavailable('Redis', 'no redis-server binary to start a throwaway server');

const rand = (n: number) => randomBytes(n).toString('base64url');

test('every secret from {file}/{env}: runs, reload re-reads files, no secret or identifier in any output', { skip, timeout: 90_000 }, async () => {
  const s = {
    partnerKey: rand(32),
    partnerKey2: rand(32),
    nas: `nas-${rand(18)}`,
    token: `tok-${rand(18)}`,
    redisPassword: `rp-${rand(18)}`,
    hookPath: `hp-${rand(12)}`,
    hookKey: `hk-${rand(18)}`,
    badKey: `BADKEY-${rand(20)}`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'hedge-secrets-'));
  const redis = await startThrowawayRedis('redis-server', undefined, s.redisPassword);
  const origin = await startEchoOrigin('127.0.0.1', 0);
  const hooks: { path: string; key: string | undefined }[] = [];
  const hookServer = http.createServer((req, res) => {
    req.resume();
    hooks.push({ path: req.url ?? '', key: req.headers['x-hook-key'] as string | undefined });
    res.end();
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const hookPort = (hookServer.address() as AddressInfo).port;
  writeFileSync(join(dir, 'idcheck.key'), s.partnerKey);
  writeFileSync(join(dir, 'nas.secret'), s.nas);
  writeFileSync(join(dir, 'hook.key'), s.hookKey);
  const file = join(dir, 'hedge.yaml');
  writeFileSync(
    file,
    `operator: { name: Lab, country: GB }
proxy:
  listen: 127.0.0.1:0
  resolve: { "*.example": "127.0.0.1:${origin.address.port}" }
  accessLog: { enabled: true }
admin:
  listen: 127.0.0.1:0
  token: { env: HEDGE_T_TOKEN }
subscribers:
  store: { env: HEDGE_T_REDIS }
  redis: { keyPrefix: "hedge-secrets-${rand(4)}:" }
  static:
    - { ip: 127.0.0.1, msisdn: "+447700900123", imsi: "001010000000123" }
radius:
  listen: 127.0.0.1:0
  clients:
    - { address: 127.0.0.1, secret: { file: nas.secret } }
  framedAddressMap:
    - { from: 10.0.0.0/8, to: 127.0.0.0/8 }
alerts:
  webhook:
    url: { env: HEDGE_T_HOOK }
    headers: { X-Hook-Key: { file: hook.key } }
    minIntervalSeconds: 0
partners:
  - id: idcheck
    name: ID check
    purpose: identity-verification
    hosts: [verify.idcheck.example]
    key: { file: idcheck.key }
    send: [{ attribute: msisdn, form: sealed, header: X-Sealed }]
`,
  );
  const hedge = spawnHedge(['start', '-c', file], {
    HEDGE_T_TOKEN: s.token,
    HEDGE_T_REDIS: redis.url,
    HEDGE_T_HOOK: `http://127.0.0.1:${hookPort}/hook/${s.hookPath}`,
  });
  const answers: string[] = [];
  try {
    const started = await hedge.waitFor((l) => l.msg === 'hedge started');
    const admin = `http://127.0.0.1:${portOf(started.admin)}`;
    const proxy = { port: portOf(started.proxy) } as AddressInfo;
    const auth = { authorization: `Bearer ${s.token}` };
    assert.equal((await fetch(`${admin}/policy`)).status, 401, 'the token from the environment is required');
    const policy = await (await fetch(`${admin}/policy`, { headers: auth })).text();
    answers.push(policy);
    assert.match(policy, /"idcheck"/);
    const sealedWith = async (from?: string) => (await viaProxy(proxy, 'http://verify.idcheck.example/', from ? { localAddress: from } : {})).json().headers['x-sealed'] as string;
    const opens = async (token: string, key: string) => (await openSealed(token, key, { host: 'verify.idcheck.example', partnerId: 'idcheck' })).ok;

    const sealed1 = await sealedWith();
    assert.ok(await opens(sealed1, s.partnerKey), 'sealed under the key from the file; binding read through Redis with its password');

    await sendAccounting(
      '127.0.0.1',
      portOf(started.radius),
      s.nas,
      { status: 'start', framedIp: '10.0.0.41', msisdn: '447700900141', sessionId: 'sec-141' },
      { timeoutMs: 2000, retries: 3 },
    );
    assert.ok(await opens(await sealedWith('127.0.0.41'), s.partnerKey), 'RADIUS accounting verified with the shared secret from the file');

    writeFileSync(join(dir, 'idcheck.key'), s.partnerKey2 + '\n');
    const reload = await fetch(`${admin}/policy/reload`, { method: 'POST', headers: auth });
    const reloadText = await reload.text();
    answers.push(reloadText);
    assert.equal(reload.status, 200, reloadText);
    assert.equal((JSON.parse(reloadText) as { result: string }).result, 'applied');
    const sealed2 = await sealedWith();
    assert.ok(await opens(sealed2, s.partnerKey2), 'the changed key file applies on reload');
    assert.ok(!(await opens(sealed2, s.partnerKey)), 'the old key no longer opens new values');

    writeFileSync(join(dir, 'idcheck.key'), s.badKey);
    const refused = await fetch(`${admin}/policy/reload`, { method: 'POST', headers: auth });
    const refusedText = await refused.text();
    answers.push(refusedText);
    assert.equal(refused.status, 422);
    assert.match(refusedText, /partners\[0\]\.key/);
    const deadline = Date.now() + 15_000;
    while (!hooks.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(hooks[0], { path: `/hook/${s.hookPath}`, key: s.hookKey }, 'the alert webhook uses the URL from the environment and the header from the file');

    hedge.child.kill('SIGUSR2');
    await hedge.waitFor((l) => l.msg === 'log level changed' && l.logLevel === 'debug' && (l as { by?: string }).by === 'SIGUSR2', 10_000);
    await viaProxy(proxy, 'http://news.example/?msisdn=447700900123');
    answers.push(JSON.stringify(await (await fetch(`${admin}/alerts`, { headers: auth })).json()));
  } finally {
    await hedge.stop();
    await new Promise<void>((r) => hookServer.close(() => r()));
    await origin.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const output = JSON.stringify(hedge.lines) + answers.join('\n');
  assert.ok(
    hedge.lines.some((l) => l.msg === 'access'),
    'the access log was on',
  );
  const forbidden = { ...s, msisdn: '447700900123', msisdnRadius: '447700900141', national: '07700900123', imsi: '001010000000123' };
  for (const [what, value] of Object.entries(forbidden)) assert.ok(!output.includes(value), `${what} must not appear in logs, errors or admin answers`);
});
