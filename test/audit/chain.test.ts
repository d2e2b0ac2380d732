// Issue 5 acceptance, on both stores: after traffic to partners and
// non-partners `audit verify` passes; editing a value, deleting a record,
// swapping two or inserting one each make it fail and name the record.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, DEMO_YAML } from '../helpers/gateway.js';
import { auditBackend, hedgeCli, writeConfig, type AuditBackend } from '../helpers/audit.js';
import { verifyStore } from '../../src/audit/verify.js';
import { loadVerifier, loadAuditKey } from '../../src/audit/keys.js';
import { recordHash } from '../../src/audit/record.js';

const SITES = ['http://my.operator.example/', 'http://wap.operator.example/', 'http://www.agegate.example/', 'http://pay.billing.example/', 'http://news.example/'];

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`audit chain on ${name}`, () => {
    let be: AuditBackend | undefined;
    let skip: string | undefined;
    let loc: { spec: string; schema: string };
    before(async () => {
      const b = await auditBackend(name);
      if (typeof b === 'string') skip = b;
      else {
        be = b;
        loc = b.fresh();
        const lab = await startLab({ edit: (y) => y + b.yaml(loc, { node: 'gw-a', checkpointEveryRecords: 4 }) });
        try {
          for (let round = 0; round < 3; round++) for (const url of SITES) assert.equal((await viaProxy(lab.gw.proxyAddress, url)).status, 200);
        } finally {
          await lab.close();
        }
      }
    });
    after(async () => be?.close());

    test('one record per disclosure, none for non-partners, and no number in the clear', async (t) => {
      if (skip) return t.skip(skip);
      const store = await be!.open(loc);
      try {
        const rows = await store.page('gw-a', 0, 1000);
        const disclosures = rows.filter((r) => r.type === 'disclosure');
        assert.equal(disclosures.length, 12, 'four partner sites × three rounds');
        assert.equal(rows.filter((r) => r.type === 'policy-load').length, 1);
        assert.ok(!disclosures.some((r) => r.host === 'news.example'), 'a non-partner request leaves no disclosure record');
        const self = disclosures.find((r) => r.host === 'my.operator.example')!;
        assert.equal(self.partner, 'selfcare');
        assert.deepEqual(JSON.parse(self.detail).items, [{ attribute: 'msisdn', form: 'raw', header: 'X-MSISDN' }]);
        assert.equal(JSON.parse(self.detail).binding, 'static');
        assert.match(self.subjectRef!, /^[0-9a-f]{32}$/);
        assert.ok(self.policyVersion && self.requestId);
        const text = JSON.stringify(rows);
        for (const form of ['447700900123', '7700900123', '001010000000123', '490154203237518']) assert.ok(!text.includes(form), 'the store alone reveals no identifier');
        const opened = JSON.parse(loadAuditKey(be!.keyFile).open(self.subjectSealed!)) as { msisdn: string };
        assert.equal(opened.msisdn, '+447700900123', 'the audit key recovers the number');
        assert.ok((await store.checkpoints('gw-a')).length >= 3, 'checkpoints signed along the way and at shutdown');
      } finally {
        await store.close();
      }
    });

    test('hedge audit verify passes on the untouched store', async (t) => {
      if (skip) return t.skip(skip);
      const cfg = writeConfig(be!.dir, 'verify-ok.yaml', DEMO_YAML + be!.yaml(loc));
      const r = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^OK: 13 records in 1 chain/m);
      assert.match(r.stdout, /chain gw-a: 13 records #1–#13/);
    });

    const cases: { name: string; sql: string; kind: string; seq: number; params?: unknown[] }[] = [
      { name: 'editing a value', sql: "UPDATE T SET host = 'evil.example' WHERE node = 'gw-a' AND seq = 5", kind: 'changed', seq: 5 },
      { name: 'editing the detail', sql: "UPDATE T SET detail = replace(detail, 'raw', 'claim') WHERE node = 'gw-a' AND seq = 3", kind: 'changed', seq: 3 },
      { name: 'deleting a record', sql: "DELETE FROM T WHERE node = 'gw-a' AND seq = 6", kind: 'removed', seq: 6 },
      {
        name: 'swapping two records',
        sql: "UPDATE T SET seq = -7 WHERE node = 'gw-a' AND seq = 7; UPDATE T SET seq = 7 WHERE node = 'gw-a' AND seq = 8; UPDATE T SET seq = 8 WHERE node = 'gw-a' AND seq = -7",
        kind: 'reordered',
        seq: 7,
      },
      { name: 'deleting the newest records (a signed checkpoint covers them)', sql: "DELETE FROM T WHERE node = 'gw-a' AND seq >= 12", kind: 'removed', seq: 12 },
    ];
    for (const c of cases)
      test(`${c.name} makes verify fail and name the record`, async (t) => {
        if (skip) return t.skip(skip);
        const copy = await be!.clone(loc);
        await be!.sql(copy, c.sql, c.params);
        const store = await be!.open(copy);
        try {
          const res = await verifyStore(store, { verifier: loadVerifier(be!.signingKeyFile) });
          assert.equal(res.ok, false);
          assert.equal(res.problem!.kind, c.kind, res.problem!.message);
          assert.equal(res.problem!.seq, c.seq, res.problem!.message);
          assert.ok(res.problem!.message.includes(`gw-a#${c.seq}`), res.problem!.message);
        } finally {
          await store.close();
        }
      });

    test('inserting a well-formed record makes verify fail and name it', async (t) => {
      if (skip) return t.skip(skip);
      const copy = await be!.clone(loc);
      const store = await be!.open(copy);
      try {
        const r4 = (await store.get('gw-a', 4))!;
        // Make room at #5 the way a forger would, then insert a record that chains correctly to #4.
        await be!.sql(copy, "UPDATE T SET seq = seq + 1000 WHERE node = 'gw-a' AND seq >= 5; UPDATE T SET seq = seq - 999 WHERE node = 'gw-a' AND seq > 1000");
        const forged = { ...r4, seq: 5, host: 'forged.example', prevHash: r4.hash, hash: '' };
        forged.hash = recordHash(forged);
        await be!.sql(
          copy,
          'INSERT INTO T (node, seq, time, type, request_id, partner, host, policy_version, subject_ref, subject_sealed, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)',
          [
            forged.node,
            forged.seq,
            forged.time,
            forged.type,
            forged.requestId,
            forged.partner,
            forged.host,
            forged.policyVersion,
            forged.subjectRef,
            forged.subjectSealed,
            forged.detail,
            forged.prevHash,
            forged.hash,
          ],
        );
        const res = await verifyStore(store, { verifier: loadVerifier(be!.signingKeyFile) });
        assert.equal(res.ok, false);
        assert.equal(res.problem!.kind, 'inserted', res.problem!.message);
        assert.equal(res.problem!.seq, 5);
        assert.match(res.problem!.message, /gw-a#5 was inserted/);
      } finally {
        await store.close();
      }
    });

    test('a chain rewritten with recomputed hashes fails on the signed checkpoint', async (t) => {
      if (skip) return t.skip(skip);
      const copy = await be!.clone(loc);
      const store = await be!.open(copy);
      try {
        // Rewrite #2 and re-hash everything after it: the chain is self-consistent, the signatures are not.
        const rows = await store.page('gw-a', 0, 100);
        let prev = rows[0]!.hash;
        for (const r of rows.slice(1)) {
          const nr = { ...r, host: r.seq === 2 ? 'rewritten.example' : r.host, prevHash: prev, hash: '' };
          nr.hash = recordHash(nr);
          prev = nr.hash;
          await be!.sql(copy, "UPDATE T SET host = $1, prev_hash = $2, hash = $3 WHERE node = 'gw-a' AND seq = $4", [nr.host, nr.prevHash, nr.hash, r.seq]);
        }
        const res = await verifyStore(store, { verifier: loadVerifier(be!.signingKeyFile) });
        assert.equal(res.ok, false);
        assert.match(res.problem!.message, /checkpoint signed/);
      } finally {
        await store.close();
      }
    });

    test('the CLI exits non-zero and names the record', async (t) => {
      if (skip) return t.skip(skip);
      const copy = await be!.clone(loc);
      await be!.sql(copy, "UPDATE T SET partner = 'someone-else' WHERE node = 'gw-a' AND seq = 9");
      const cfg = writeConfig(be!.dir, 'verify-bad.yaml', DEMO_YAML + be!.yaml(copy));
      const r = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /FAIL \(changed\): record gw-a#9 was changed/);
    });
  });
}
