// Issue "Least-revealing enrichment", acceptance: a token resolves through the
// admin API to the subscriber; an expired or forged one does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { startLab, viaProxy, receivedValues, type Lab } from '../helpers/gateway.js';
import { tempKeyFile, withKeys } from '../helpers/keys.js';
import { tokenIssuer } from '../../src/policy/token.js';

const ADMIN_TOKEN = 'token-test-admin-bearer-0123456789';
const PARTNER = `  - id: biller
    name: Carrier billing
    purpose: carrier-billing
    hosts: [charge.biller.example]
    send:
      - { attribute: msisdn, form: token, header: X-Charge-Token }
`;

let lab: Lab;
let keys: ReturnType<typeof tempKeyFile>;
before(async () => {
  keys = tempKeyFile();
  lab = await startLab({ edit: (y) => withKeys(keys.file)(y).replace('listen: 127.0.0.1:0\nsubscribers', `listen: 127.0.0.1:0\n  token: ${ADMIN_TOKEN}\nsubscribers`) + PARTNER });
});
after(async () => {
  await lab.close();
  keys.cleanup();
});

async function tokenFromGateway(): Promise<string> {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://charge.biller.example/pay')).json();
  const t = e.headers['x-charge-token'];
  assert.equal(typeof t, 'string');
  for (const v of receivedValues(e)) assert.ok(!v.includes('7700900123'), 'no number reaches the partner');
  return t as string;
}

function resolve(body: unknown, auth = ADMIN_TOKEN) {
  return fetch(`${lab.gw.adminUrl}/tokens/resolve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: JSON.stringify(body),
  });
}

test('a token from the gateway resolves to the subscriber through the admin API', async () => {
  const token = await tokenFromGateway();
  assert.match(token, /^hdt1\./);
  const r = await resolve({ token, partner: 'biller' });
  assert.equal(r.status, 200);
  const j = (await r.json()) as { partner: string; attribute: string; subscriber: { msisdn: string }; expiresAt: string };
  assert.equal(j.subscriber.msisdn, '+447700900123');
  assert.equal(j.partner, 'biller');
  assert.equal(j.attribute, 'msisdn');
  assert.ok(Date.parse(j.expiresAt) > Date.now());
});

test('tokens are per request and unlinkable', async () => {
  assert.notEqual(await tokenFromGateway(), await tokenFromGateway());
});

test('resolution needs the admin bearer token', async () => {
  const r = await resolve({ token: await tokenFromGateway() }, 'wrong-bearer-token-000000');
  assert.equal(r.status, 401);
});

test('a forged or altered token does not resolve', async () => {
  const token = await tokenFromGateway();
  const i = token.length - 10;
  const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
  const r = await resolve({ token: altered });
  assert.equal(r.status, 404);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_TOKEN_INVALID');
  assert.equal((await resolve({ token: 'hdt1.nokey.AAAA.BBBB' })).status, 404);
  assert.equal((await resolve({ token: 'not-a-token' })).status, 400);
  assert.equal((await resolve({ token, partner: 'someone-else' })).status, 404, 'a token resolves only for its own partner');
});

test('an expired token does not resolve', async () => {
  // Issued with the operator's real token key two hours ago, lifetime one hour.
  const k = keys.keys.token[0]!;
  const issue = tokenIssuer('biller', 'msisdn', { kid: k.kid, key: createSecretKey(Buffer.from(k.key, 'base64url')) }, 3600);
  const old = issue('+447700900123', '+447700900123', Math.floor(Date.now() / 1000) - 7200);
  const r = await resolve({ token: old });
  assert.equal(r.status, 410);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_TOKEN_EXPIRED');
  const fresh = issue('+447700900123', '+447700900123', Math.floor(Date.now() / 1000));
  assert.equal((await resolve({ token: fresh })).status, 200, 'the same key, in time, resolves');
});

test('resolutions are counted, values never in metrics', async () => {
  const text = await (await fetch(`${lab.gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  assert.match(text, /hedge_token_resolutions_total\{outcome="resolved"\} \d+/);
  assert.match(text, /hedge_token_resolutions_total\{outcome="expired"\} \d+/);
  assert.ok(!text.includes('7700900123'));
});
