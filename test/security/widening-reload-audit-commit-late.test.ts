// Threat: a --workers reload that widens disclosure has its audit event
// committed by one worker before any worker swaps it in. The primary waited
// for that commit only reload.timeoutMs, while the worker's audit waits up to
// audit.commitTimeoutMs: an audit store slower than the first (a lock, a
// busy disk) refused the reload — and the commit still landed. The audit
// then held an "applied" record for a policy no worker ever served, followed
// by a "refused" one: a record that contradicts what happened, in the very
// log a breach report is built from. The primary now waits for the worker's
// answer (the audit bounds its own commits); the reload is applied with its
// record, or refused with one, never both.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { auditBackend } from '../helpers/audit.js';
import { adminCall, NEWSDESK_PARTNER, startDemoCluster } from '../helpers/demo-cluster.js';
import { portOf } from '../helpers/hedge-process.js';

test('--workers 2: a widening reload whose audit commit lands after reload.timeoutMs is applied with one record, not applied-then-refused', { timeout: 180_000 }, async (t) => {
  const be = await auditBackend('sqlite');
  if (typeof be === 'string') throw new Error(be);
  after(() => be.close());
  const loc = be.fresh();
  // The store may take 8 s to commit; the primary's bound for each step of a reload is 1 s.
  const audit = be.yaml(loc, { node: 'edge-1', commitTimeoutMs: 10_000, busyTimeoutMs: 8000 });
  const c = await startDemoCluster({ extraYaml: audit + '\nreload:\n  timeoutMs: 1000\n' });
  after(() => c.stop());
  const admin = portOf(c.started()[0]!.admin);

  const lock = await be.lock(loc);
  writeFileSync(c.file, c.yaml.replace('partners:\n', `partners:\n${NEWSDESK_PARTNER}`));
  const answer = adminCall(admin, 'POST', '/policy/reload');
  await new Promise((r) => setTimeout(r, 2500));
  await lock.release();
  const { status, body } = await answer;
  t.diagnostic(`answer: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  await new Promise((r) => setTimeout(r, 1500)); // a record that would follow the answer

  const db = new Database(loc.spec.slice('sqlite:'.length), { readonly: true });
  const records = (db.prepare("SELECT detail FROM audit_records WHERE type = 'policy-reload'").all() as { detail: string }[]).map(
    (r) => JSON.parse(r.detail) as { result: string; to: string | null; stage: string | null },
  );
  db.close();
  t.diagnostic(`policy-reload records: ${JSON.stringify(records.map((r) => [r.result, r.stage]))}`);
  const ofThisReload = records.filter((r) => r.to === body.to);
  assert.equal(ofThisReload.length, 1, 'one audit record for the reload');
  assert.equal(ofThisReload[0]!.result, body.result, 'the record says what the cluster did');
  assert.equal(body.result, 'applied', 'the commit landed: the reload is applied');
});
