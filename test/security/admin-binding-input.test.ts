// Threat: hostile input to the admin API breaks it for the operator: a
// binding lifetime no date can hold (ttlSeconds: 1e308) made every later
// GET /bindings answer 500, and a broken percent-encoding (GET /bindings/%)
// answered 500. Both are refused with 400 and a code; the API keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';

let lab: Lab;
let admin: string;
before(async () => {
  lab = await startLab();
  admin = `http://127.0.0.1:${lab.gw.adminAddress.port}`;
});
after(() => lab.close());

const put = (ip: string, body: unknown) => fetch(`${admin}/bindings/${ip}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('a binding lifetime out of range is refused with 400 and GET /bindings keeps working', async () => {
  for (const ttlSeconds of [1e308, 1e10, 365 * 24 * 3600 + 1, 0, -5, '60', null]) {
    const r = await put('10.0.0.77', { msisdn: '+447700900177', ttlSeconds });
    assert.equal(r.status, 400, `ttlSeconds ${String(ttlSeconds)}`);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_BINDING_INVALID');
  }
  // JSON cannot carry Infinity or NaN; 1e999 parses to Infinity.
  const inf = await fetch(`${admin}/bindings/10.0.0.77`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"msisdn":"+447700900177","ttlSeconds":1e999}' });
  assert.equal(inf.status, 400);
  assert.equal(await lab.gw.bindings.get('10.0.0.77'), undefined, 'nothing was stored');
  const ok = await put('10.0.0.78', { msisdn: '+447700900178', ttlSeconds: 365 * 24 * 3600 });
  assert.equal(ok.status, 201);
  const list = await fetch(`${admin}/bindings`);
  assert.equal(list.status, 200);
  const one = await fetch(`${admin}/bindings/10.0.0.78`);
  assert.equal(one.status, 200);
  assert.match(((await one.json()) as { expiresAt: string }).expiresAt, /^\d{4}-/);
});

test('broken percent-encoding in a binding address answers 400, not 500', async () => {
  for (const seg of ['%', '%zz', '%E0%A4%A', '127.0.0.1%']) {
    const r = await fetch(`${admin}/bindings/${seg}`);
    assert.equal(r.status, 400, seg);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_BINDING_INVALID');
  }
  const raw = await rawExchange(lab.gw.adminAddress.port, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(raw.text, /^HTTP\/1\.1 400 /);
  assert.equal((await fetch(`${admin}/health`)).status, 200);
});
