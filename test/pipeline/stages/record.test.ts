// record contract: no disclosure without a record. A flow that discloses
// something waits until its audit record is committed; one that cannot be
// recorded loses its disclosures (withheld, reported) and goes on unenriched.
// Flows that disclose nothing pass synchronously without touching the audit;
// the canary's flows are recorded as canary-disclosure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { record, type DisclosureRecorder } from '../../../src/pipeline/stages/record.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import type { Flow } from '../../../src/pipeline/flow.js';
import { makeFlow, SUBSCRIBER } from '../../helpers/pipeline.js';

const CANARY = '127.0.0.254';

/** The DisclosureRecorder side of the audit, answering as told. */
function recorder(answer: () => Promise<void> | false) {
  const recorded: { id: string; type: string; disclosures: number }[] = [];
  const withheld: string[] = [];
  const audit: DisclosureRecorder = {
    recordDisclosure(flow: Flow, type) {
      recorded.push({ id: flow.id, type, disclosures: flow.disclosures.length });
      return answer();
    },
    withheld: (flow) => withheld.push(flow.id),
  };
  return { audit, recorded, withheld };
}

const disclosing = (clientAddress = '127.0.0.1') => {
  const f = makeFlow({ clientAddress, subscriber: SUBSCRIBER, partner: true });
  f.disclose({ partnerId: 'selfcare', attribute: 'msisdn', form: 'raw', header: 'X-MSISDN', value: SUBSCRIBER.msisdn });
  return f;
};

test('a disclosing flow waits for the commit and keeps its disclosures; the canary is recorded as such', async () => {
  let commit!: () => void;
  const r = recorder(() => new Promise<void>((resolve) => (commit = resolve)));
  const stage = record(r.audit, CANARY);
  const f = disclosing();
  const v = stage.onRequest(f);
  assert.ok(v instanceof Promise, 'held until committed');
  let settled = false;
  void v.then(() => (settled = true));
  await Promise.resolve();
  assert.equal(settled, false);
  commit();
  assert.deepEqual(await v, CONTINUE);
  assert.equal(f.header('X-MSISDN'), SUBSCRIBER.msisdn);
  const c = disclosing(CANARY);
  const cv = stage.onRequest(c);
  commit();
  await cv;
  assert.deepEqual(
    r.recorded.map((x) => [x.type, x.disclosures]),
    [
      ['disclosure', 1],
      ['canary-disclosure', 1],
    ],
  );
});

test('a flow that discloses nothing passes at once, without the audit', () => {
  const r = recorder(() => Promise.resolve());
  const v = record(r.audit).onRequest(makeFlow({ subscriber: SUBSCRIBER }));
  assert.deepEqual(v, CONTINUE);
  assert.deepEqual(r.recorded, []);
});

test('cannot record now, or the commit fails: disclosures withheld, reported, enrichment off, the request goes on', async () => {
  const full = recorder(() => false);
  const f = disclosing();
  assert.deepEqual(record(full.audit).onRequest(f), CONTINUE);
  assert.deepEqual(full.withheld, [f.id]);
  assert.deepEqual(f.disclosures, []);
  assert.equal(f.header('X-MSISDN'), undefined);
  assert.equal(f.enrichmentDisabled, true);

  const failing = recorder(() => Promise.reject(new Error('commit failed')));
  const g = disclosing();
  assert.deepEqual(await record(failing.audit).onRequest(g), CONTINUE);
  assert.deepEqual(failing.withheld, [g.id]);
  assert.equal(g.header('X-MSISDN'), undefined);
  assert.equal(g.enrichmentDisabled, true);
});

test('without an audit configured, disclosures go unrecorded (docs/audit.md)', () => {
  const f = disclosing();
  assert.deepEqual(record(undefined).onRequest(f), CONTINUE);
  assert.equal(f.header('X-MSISDN'), SUBSCRIBER.msisdn);
});
