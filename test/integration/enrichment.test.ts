// Issue "The enriching proxy", acceptance: what each demo site receives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, receivedValues, type Lab } from '../helpers/gateway.js';
import { startGateway } from '../../src/node/gateway.js';
import { demoConfig } from '../helpers/gateway.js';
import { silentLogger } from '../../src/shared/log.js';
import { tempKeyFile, withKeys } from '../helpers/keys.js';

const NUMBER_FORMS = ['+447700900123', '447700900123', '07700900123', '7700900123', '001010000000123', '490154203237518'];

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(async () => {
  await lab.close();
});

test('self-care partner receives the E.164 number in X-MSISDN', async () => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/account');
  assert.equal(r.status, 200);
  const e = r.json();
  assert.equal(e.headers['x-msisdn'], '+447700900123');
  assert.equal(e.path, '/account');
  assert.equal(e.host, 'my.operator.example');
});

test('legacy WAP portal receives digits without plus in X-Up-Calling-Line-ID', async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://wap.operator.example/')).json();
  assert.equal(e.headers['x-up-calling-line-id'], '447700900123');
  assert.ok(e.rawHeaders.includes('X-Up-Calling-Line-ID'), 'header name sent as configured');
});

test('age-verification partner receives only the claim, no number', async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/')).json();
  assert.equal(e.headers['x-age-verified'], 'yes');
  for (const v of receivedValues(e)) for (const n of NUMBER_FORMS) assert.ok(!v.includes(n), 'no identifier reaches the age gate');
});

test('billing partner receives a stable pseudonym, different under another operator key', async () => {
  const a = (await viaProxy(lab.gw.proxyAddress, 'http://pay.billing.example/')).json();
  const b = (await viaProxy(lab.gw.proxyAddress, 'http://pay.billing.example/other')).json();
  const alias = a.headers['x-subscriber-alias'];
  assert.equal(typeof alias, 'string');
  assert.match(alias as string, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(b.headers['x-subscriber-alias'], alias, 'stable across requests');
  for (const n of NUMBER_FORMS) assert.ok(!(alias as string).includes(n));

  // Another operator key file (another pseudonym root) gives an unlinkable alias.
  const keys = tempKeyFile();
  const gw2 = await startGateway(demoConfig(lab.origin, withKeys(keys.file)), { log: silentLogger });
  try {
    const c = (await viaProxy(gw2.proxyAddress, 'http://pay.billing.example/')).json();
    assert.equal(typeof c.headers['x-subscriber-alias'], 'string');
    assert.notEqual(c.headers['x-subscriber-alias'], alias);
  } finally {
    await gw2.stop(100);
    keys.cleanup();
  }
});

test('a non-partner receives nothing identifying', async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://news.example/story?id=1')).json();
  for (const h of ['x-msisdn', 'x-up-calling-line-id', 'x-age-verified', 'x-subscriber-alias', 'x-forwarded-for', 'forwarded'])
    assert.equal(e.headers[h], undefined, `${h} must not reach news.example`);
  for (const v of receivedValues(e)) for (const n of NUMBER_FORMS) assert.ok(!v.includes(n), `no identifier form in any header`);
  assert.equal(e.headers.via, '1.1 hedge');
});

test('a request from an address with no binding is forwarded with nothing added', async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: '127.0.0.2' })).json();
  assert.equal(e.headers['x-msisdn'], undefined);
});

test('a subscriber opted out of a partner gets nothing from it', async () => {
  const put = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.3`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '07700 900456', optOut: ['selfcare'] }),
  });
  assert.equal(put.status, 201);
  const self = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: '127.0.0.3' })).json();
  assert.equal(self.headers['x-msisdn'], undefined);
  const wap = (await viaProxy(lab.gw.proxyAddress, 'http://wap.operator.example/', { localAddress: '127.0.0.3' })).json();
  assert.equal(wap.headers['x-up-calling-line-id'], '447700900456', 'national input normalised to E.164');
  const got = (await (await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.3`)).json()) as { msisdn: string };
  assert.equal(got.msisdn, '+447700900456');
  const del = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.3`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  const after = (await viaProxy(lab.gw.proxyAddress, 'http://wap.operator.example/', { localAddress: '127.0.0.3' })).json();
  assert.equal(after.headers['x-up-calling-line-id'], undefined);
});

test('metrics count requests, enrichments and the policy version', async () => {
  const text = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
  assert.match(text, /hedge_requests_total\{outcome="enriched"\} \d+/);
  assert.match(text, /hedge_enrichments_total\{partner="selfcare",attribute="msisdn",form="raw"\} \d+/);
  assert.match(text, /hedge_request_duration_seconds_bucket/);
  assert.match(text, new RegExp(`hedge_policy_info\\{version="${lab.gw.policy().version}"\\} 1`));
  assert.ok(!/447700900/.test(text), 'metrics carry no identifier');
});
