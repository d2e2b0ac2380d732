// Threat: with `hedge start --workers N` and the memory binding store, each
// worker holds its own consent store, so `hedge subscriber reassigned` (POST
// /subscribers/reassigned) reached only the worker that took the request. The
// number's pseudonym then depended on which worker a request landed on: the
// new holder reached a partner under the new alias and under the previous
// holder's, and the partner could link the two people. The reassignment is
// refused (409 HEDGE_ERR_REASSIGNMENT_NOT_SHARED) before anything is recorded;
// with one worker, or a Redis store every worker shares, it is accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_YAML } from '../helpers/gateway.js';
import { auditBackend, writeConfig, type AuditBackend } from '../helpers/audit.js';
import { spawnHedge } from '../helpers/hedge-process.js';

let be: AuditBackend | string;
let loc: { spec: string; schema: string };
let cfg: string;

before(async () => {
  be = await auditBackend('sqlite');
  if (typeof be === 'string') return;
  loc = be.fresh();
  const yaml = DEMO_YAML.replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0').replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') + be.yaml(loc, { node: 'w' });
  cfg = writeConfig(be.dir, 'hedge.yaml', yaml);
});
after(async () => {
  if (typeof be !== 'string') await be?.close();
});

const reassign = (admin: string) =>
  fetch(`http://${admin}/subscribers/reassigned`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '+447700900123', at: new Date(Date.now() - 1000).toISOString() }),
    signal: AbortSignal.timeout(10_000),
  });

for (const workers of [2, 1]) {
  test(`--workers ${workers} with the memory store: the reassignment is ${workers > 1 ? 'refused, nothing recorded' : 'accepted'}`, async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const node = spawnHedge(['start', '-c', cfg, '--workers', String(workers)]);
    try {
      const started = await node.waitFor((l) => l.msg === 'hedge started', 90_000);
      const r = await reassign(String(started.admin));
      const body = (await r.json()) as { error?: { code: string; message: string } };
      if (workers > 1) {
        assert.equal(r.status, 409);
        assert.equal(body.error?.code, 'HEDGE_ERR_REASSIGNMENT_NOT_SHARED');
        assert.match(body.error?.message ?? '', /Redis binding store or one worker/);
      } else assert.equal(r.status, 200, JSON.stringify(body));
    } finally {
      await node.stop();
    }
    const store = await be.open(loc);
    try {
      const events = await store.scan({ from: 0, to: Number.MAX_SAFE_INTEGER, type: 'number-reassigned' }, undefined, 10);
      assert.equal(events.length, workers > 1 ? 0 : 1, 'a refused reassignment is not in the audit');
    } finally {
      await store.close();
    }
  });
}
