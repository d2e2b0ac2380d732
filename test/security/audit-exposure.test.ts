// Threats to the disclosure audit itself, regression-tested:
//  - the audit store, copied or leaked on its own, must not reveal numbers;
//  - the breach report (decrypted numbers) must not be readable without the
//    admin token when one is set;
//  - a forged checkpoint (signed by some other key) must not vouch for a chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { auditBackend } from '../helpers/audit.js';
import { verifyStore } from '../../src/audit/verify.js';
import { loadVerifier } from '../../src/audit/keys.js';
import { checkpointMessage } from '../../src/audit/record.js';
import { sign } from 'node:crypto';

const TOKEN = 'audit-admin-token-0123456789';

test('the audit store alone reveals no number, the report needs the admin token, a forged checkpoint is caught', async (t) => {
  const be = await auditBackend('sqlite');
  if (typeof be === 'string') return t.skip(be);
  try {
    const loc = be.fresh();
    const lab = await startLab({ edit: (y) => y.replace('admin:\n', `admin:\n  token: ${TOKEN}\n`) + be.yaml(loc, { node: 'gw-s' }) });
    try {
      for (const site of ['http://my.operator.example/', 'http://wap.operator.example/', 'http://pay.billing.example/']) await viaProxy(lab.gw.proxyAddress, site);
      assert.equal((await fetch(`${lab.gw.adminUrl}/audit/report`)).status, 401);
      const ok = await fetch(`${lab.gw.adminUrl}/audit/report?format=csv`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /\+447700900123/);
    } finally {
      await lab.close();
    }
    const store = await be.open(loc);
    try {
      const dump = JSON.stringify([await store.page('gw-s', 0, 1000), await store.checkpoints('gw-s')]);
      for (const form of ['+447700900123', '447700900123', '07700900123', '7700900123', '900123']) assert.ok(!dump.includes(form), `no "${form}" in the store`);

      // Someone with write access signs a checkpoint with their own key.
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const last = (await store.page('gw-s', 0, 1000)).at(-1)!;
      const base = { node: 'gw-s', seq: last.seq, hash: last.hash, time: Date.now(), kind: 'periodic' as const, detail: '{}' };
      const pem = join(be.dir, 'attacker.pem');
      writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }).toString());
      await be.sql(loc, 'INSERT INTO C (node, seq, time, kind, hash, key_id, signature, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [
        base.node,
        base.seq + 1000,
        base.time,
        'periodic',
        base.hash,
        'attacker',
        sign(null, Buffer.from(checkpointMessage({ ...base, seq: base.seq + 1000 })), privateKey).toString('base64url'),
        '{}',
      ]);
      const res = await verifyStore(store, { verifier: loadVerifier(be.signingKeyFile) });
      assert.equal(res.ok, false);
      assert.equal(res.problem!.kind, 'checkpoint');
    } finally {
      await store.close();
    }
  } finally {
    await be.close();
  }
});
