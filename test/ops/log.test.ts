// The pino logger behind hedge's Logger shape: JSON lines, identifier fields
// censored as a second lock, one runtime level shared by every child, the
// admin API's /log/level, and the access log (off by default, no identifier,
// no query, client address only when configured).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, logLevelOf, REDACT_PATHS } from '../../src/shared/log.js';
import { startLab, viaProxy } from '../helpers/gateway.js';

function capture(level?: 'debug' | 'info') {
  const lines: string[] = [];
  const log = createLogger({ level, write: (l) => lines.push(l), base: { node: 't' } });
  return { lines, log, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('one JSON object per line with time, level name, msg and fields', () => {
  const { log, json } = capture();
  log.info('hello', { partner: 'billing', attribute: 'msisdn' });
  const [l] = json();
  assert.equal(l?.level, 'info');
  assert.equal(l?.msg, 'hello');
  assert.equal(l?.partner, 'billing');
  assert.equal(l?.node, 't');
  assert.ok(!Number.isNaN(Date.parse(String(l?.time))));
});

test('identifier and secret fields are censored even when a call site passes them', () => {
  const { log, lines } = capture();
  log.warn('oops', { msisdn: '+447700900123', imsi: '001010000000123', nested: { imei: '490154203237518', ip: '10.1.2.3' }, secret: 's3cr3t-value', token: 'tok' });
  const text = lines.join('');
  for (const v of ['447700900123', '001010000000123', '490154203237518', '10.1.2.3', 's3cr3t-value', '"tok"']) assert.ok(!text.includes(v), `${v} must not be logged`);
  assert.ok(text.includes('[redacted]'));
  assert.ok(REDACT_PATHS.includes('*.msisdn'));
});

test('the level is shared by a root and its children and changes at runtime', () => {
  const { log, json } = capture('info');
  const child = log.child({ component: 'x' });
  child.debug('hidden');
  logLevelOf(log)!.set('debug');
  child.debug('shown');
  assert.deepEqual(
    json().map((l) => l.msg),
    ['shown'],
  );
  assert.equal(logLevelOf(child), logLevelOf(log));
  const lvl = logLevelOf(log)!;
  lvl.set('info');
  assert.equal(lvl.toggleDebug(), 'debug', 'SIGUSR2 turns debug on');
  assert.equal(lvl.toggleDebug(), 'info', 'and back to the start level');
});

test('admin API: GET/PUT /log/level behind the token; access logs off by default', async () => {
  const { log, json } = capture('info');
  const lab = await startLab({ log, edit: (y) => y.replace('admin:\n  listen: 127.0.0.1:0', 'admin:\n  listen: 127.0.0.1:0\n  token: "0123456789abcdef-token"') });
  try {
    const auth = { authorization: 'Bearer 0123456789abcdef-token' };
    assert.equal((await fetch(`${lab.gw.adminUrl}/log/level`)).status, 401, 'the level needs the token');
    assert.deepEqual(await (await fetch(`${lab.gw.adminUrl}/log/level`, { headers: auth })).json(), { level: 'info', initial: 'info' });
    const bad = await fetch(`${lab.gw.adminUrl}/log/level`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ level: 'loud' }) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_LOG_LEVEL_INVALID');
    const put = await fetch(`${lab.gw.adminUrl}/log/level`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ level: 'debug' }) });
    assert.deepEqual(await put.json(), { level: 'debug', previous: 'info' });
    assert.equal(logLevelOf(lab.gw.log)?.get(), 'debug');
    assert.ok(json().some((l) => l.msg === 'log level changed' && l.by === 'admin'));
    await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
    assert.ok(!json().some((l) => l.msg === 'access'), 'no access log unless enabled');
  } finally {
    await lab.close();
  }
});

test('access log: listener, method, host, path without query, status, bytes, duration, partner, disclosed forms, outcome — never an identifier', async () => {
  const { log, lines, json } = capture('info');
  const lab = await startLab({
    log,
    edit: (y) =>
      y
        .replace('  mode: forward', '  mode: forward\n  accessLog: { enabled: true }')
        .replace('admin:\n  listen: 127.0.0.1:0', 'admin:\n  listen: 127.0.0.1:0\n  accessLog: { enabled: true }'),
  });
  try {
    const r = await viaProxy(lab.gw.proxyAddress, 'http://pay.billing.example/buy?msisdn=447700900123&x=1');
    assert.equal(r.status, 200);
    await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
    await fetch(`${lab.gw.adminUrl}/policy?x=1`);
    const deadline = Date.now() + 5000;
    while (json().filter((l) => l.msg === 'access').length < 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const access = json().filter((l) => l.msg === 'access');
    const billing = access.find((l) => l.host === 'pay.billing.example');
    assert.ok(billing, JSON.stringify(access));
    assert.equal(billing.listener, 'proxy');
    assert.equal(billing.method, 'GET');
    assert.equal(billing.path, '/buy');
    assert.equal(billing.status, 200);
    assert.ok((billing.bytes as number) > 0);
    assert.equal(typeof billing.durationMs, 'number');
    assert.equal(billing.partner, 'billing');
    assert.deepEqual(billing.disclosed, ['msisdn:pseudonym']);
    assert.equal(billing.outcome, 'enriched');
    assert.equal(billing.clientAddress, undefined, 'no client address unless configured');
    const admin = access.find((l) => l.listener === 'admin');
    assert.equal(admin?.path, '/policy');
    const text = lines.join('');
    assert.ok(!text.includes('447700900123'), 'no number, not even from the query');
    assert.ok(!text.includes('127.0.0.1"') || !access.some((l) => 'clientAddress' in l));
  } finally {
    await lab.close();
  }
});

test('access log with clientAddress: true names the client address', async () => {
  const { log, json } = capture('info');
  const lab = await startLab({ log, edit: (y) => y.replace('  mode: forward', '  mode: forward\n  accessLog: { enabled: true, clientAddress: true }') });
  try {
    await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
    const deadline = Date.now() + 5000;
    while (!json().some((l) => l.msg === 'access') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const l = json().find((x) => x.msg === 'access');
    assert.equal(l?.clientAddress, '127.0.0.1');
    assert.equal(l?.outcome, 'forwarded');
  } finally {
    await lab.close();
  }
});
