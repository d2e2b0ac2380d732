// enrichment-switch contract: while the canary's switch is off no flow is
// enriched — except the canary's own, from its source address, so the canary
// keeps testing what enrichment would do. It never stops a request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrichmentSwitch } from '../../../src/pipeline/stages/enrichment-switch.js';
import { EnrichmentSwitch } from '../../../src/canary/enrichment-switch.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { makeFlow, SUBSCRIBER } from '../../helpers/pipeline.js';

const CANARY = '127.0.0.254';

test('on: flows pass untouched', () => {
  const sw = new EnrichmentSwitch();
  const f = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  assert.deepEqual(enrichmentSwitch(sw, CANARY).onRequest(f), CONTINUE);
  assert.equal(f.enrichmentDisabled, false);
});

test("off: every flow is marked not to be enriched, except the canary's own; back on, flows pass again", () => {
  const sw = new EnrichmentSwitch();
  const stage = enrichmentSwitch(sw, CANARY);
  sw.disable('canary failed');
  const phone = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  assert.deepEqual(stage.onRequest(phone), CONTINUE, 'the request still goes on');
  assert.equal(phone.enrichmentDisabled, true);
  const canary = makeFlow({ clientAddress: CANARY, subscriber: SUBSCRIBER, partner: true });
  stage.onRequest(canary);
  assert.equal(canary.enrichmentDisabled, false);
  sw.enable();
  const later = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  stage.onRequest(later);
  assert.equal(later.enrichmentDisabled, false);
});

test('without a canary source nobody is exempt', () => {
  const sw = new EnrichmentSwitch();
  sw.disable('canary failed');
  const f = makeFlow({ clientAddress: CANARY });
  enrichmentSwitch(sw, undefined).onRequest(f);
  assert.equal(f.enrichmentDisabled, true);
});
