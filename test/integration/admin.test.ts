// The admin API: health, policy, bindings; bearer token when configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from '../helpers/gateway.js';

test('with admin.token set, every admin request needs the bearer token', async () => {
  const token = 'test-admin-token-0123456789';
  const lab = await startLab({ edit: (y) => y.replace('listen: 127.0.0.1:0\nsubscribers', `listen: 127.0.0.1:0\n  token: ${token}\nsubscribers`) });
  try {
    const url = `${lab.gw.adminUrl}/health`;
    const no = await fetch(url);
    assert.equal(no.status, 401);
    assert.equal(((await no.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_ADMIN_UNAUTHORIZED');
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    const h = (await ok.json()) as { status: string; policyVersion: string; bindings: number };
    assert.equal(h.status, 'ok');
    assert.equal(h.policyVersion, lab.gw.policy().version);
    assert.equal(h.bindings, 2, 'the demo subscriber and the canary subscriber');
  } finally {
    await lab.close();
  }
});

test('policy endpoint shows partners and grants but never secrets; bindings list masks numbers', async () => {
  const lab = await startLab();
  try {
    const p = await (await fetch(`${lab.gw.adminUrl}/policy`)).text();
    assert.match(p, /"id": "billing"/);
    assert.ok(!p.includes('demo-only-secret'), 'no partner secret in the policy view');
    const list = await (await fetch(`${lab.gw.adminUrl}/bindings`)).text();
    assert.ok(!list.includes('447700900123'), 'numbers masked in the list');
    assert.ok(!list.includes('447700900999'), 'the canary number is masked too');
    assert.match(list, /"count": 2/, 'the demo subscriber and the canary subscriber');
    const bad = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.9`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: 'not-a-number' }),
    });
    assert.equal(bad.status, 400);
    const err = (await bad.json()) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'HEDGE_ERR_BINDING_INVALID');
    assert.ok(!err.error.message.includes('not-a-number'), 'the value is not echoed');
    assert.equal((await fetch(`${lab.gw.adminUrl}/bindings/not-an-ip`)).status, 400);
    assert.equal((await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.9`)).status, 404);
  } finally {
    await lab.close();
  }
});
