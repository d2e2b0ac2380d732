// Issue 5 acceptance, on both stores: with the audit store unable to commit,
// partner requests arrive without identity headers, the gateway keeps
// serving, the withheld disclosures are counted; when the store is back,
// enrichment resumes and the chain still verifies.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { waitFor } from '../helpers/audit.js';
import { useAuditBackend } from '../helpers/audit.js';
import { verifyStore } from '../../src/audit/verify.js';
import { loadVerifier } from '../../src/audit/keys.js';

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`audit store unavailable (${name})`, () => {
    const backend = useAuditBackend(name);

    test('partner requests go out without identity while the store cannot commit, then enrichment resumes', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const loc = backend.be!.fresh();
      const lab = await startLab({ edit: (y) => y + backend.be!.yaml(loc, { node: 'gw-u', commitTimeoutMs: 400, retryAfterMs: 200, busyTimeoutMs: 20 }) });
      try {
        const ok = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).json();
        assert.equal(ok.headers['x-msisdn'], '+447700900123');

        const lock = await backend.be!.lock(loc);
        try {
          for (let i = 0; i < 4; i++) {
            const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
            assert.equal(r.status, 200, 'the gateway keeps serving');
            const e = r.json();
            assert.equal(e.headers['x-msisdn'], undefined, 'no identity without a committed record');
            const w = (await viaProxy(lab.gw.proxyAddress, 'http://wap.operator.example/')).json();
            assert.equal(w.headers['x-up-calling-line-id'], undefined);
            const n = await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
            assert.equal(n.status, 200, 'non-partner traffic is unaffected');
          }
          assert.ok((await lab.gw.metrics.value('hedge_audit_unrecorded_disclosures_total', { partner: 'selfcare' })) >= 4, 'withheld disclosures are counted');
          assert.equal(await lab.gw.metrics.value('hedge_audit_store_up'), 0, 'the store-down gauge alerts');
          assert.ok((await lab.gw.metrics.value('hedge_audit_commit_failures_total')) >= 1);
          assert.equal(await lab.gw.metrics.value('hedge_alerts_total', { kind: 'audit-store-unavailable' }), 1, 'one alert per outage');
          const status = (await (await fetch(`${lab.gw.adminUrl}/audit/status`)).json()) as { available: boolean };
          assert.equal(status.available, false);
        } finally {
          await lock.release();
        }

        await waitFor('enrichment to resume', async () => (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).json().headers['x-msisdn'] === '+447700900123');
        assert.equal(await lab.gw.metrics.value('hedge_audit_store_up'), 1);
      } finally {
        await lab.close();
      }
      const store = await backend.be!.open(loc);
      try {
        const res = await verifyStore(store, { verifier: loadVerifier(backend.be!.signingKeyFile) });
        assert.ok(res.ok, res.problem?.message);
        const rows = await store.page('gw-u', 0, 1000);
        const seqs = rows.map((r) => r.seq);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i + 1),
          'no gap where commits failed',
        );
      } finally {
        await store.close();
      }
    });

    // A database server can be down when a node starts; an embedded SQLite file that cannot be opened stops the start instead.
    if (name === 'postgres') {
      test('a gateway whose audit database is down at start serves traffic without identity', async (t) => {
        if (backend.skip) return t.skip(backend.skip);
        const loc = backend.be!.fresh();
        const spec = 'postgres://postgres@127.0.0.1:1/test'; // nothing listens on port 1
        const lab = await startLab({ edit: (y) => y + backend.be!.yaml({ ...loc, spec }, { node: 'gw-down', commitTimeoutMs: 300, retryAfterMs: 100 }) });
        try {
          const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
          assert.equal(r.status, 200);
          assert.equal(r.json().headers['x-msisdn'], undefined);
        } finally {
          await lab.close();
        }
      });
    }
  });
}
