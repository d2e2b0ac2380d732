// consent contract: a subscriber who withdrew consent from (or objected to)
// the matched partner gets nothing sent to it; other partners are not
// affected; the store is asked only when a bound subscriber meets a partner;
// a store that cannot answer costs the enrichment, never the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consent, type ConsentLookup } from '../../../src/pipeline/stages/consent.js';
import { EMPTY_RECORD, MemoryConsentStore } from '../../../src/identity/consent.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { makeFlow, SUBSCRIBER } from '../../helpers/pipeline.js';

test('withdrawn from this partner: not enriched; from another partner: enriched', async () => {
  const store = new MemoryConsentStore();
  await store.set(SUBSCRIBER.msisdn, 'agegate', false);
  const stage = consent(store);
  const age = makeFlow({ url: 'http://www.agegate.example/', subscriber: SUBSCRIBER, partner: true });
  assert.deepEqual(stage.onRequest(age), CONTINUE);
  assert.equal(age.enrichmentDisabled, true);
  const self = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  assert.deepEqual(stage.onRequest(self), CONTINUE);
  assert.equal(self.enrichmentDisabled, false);
  await store.set(SUBSCRIBER.msisdn, 'agegate', true);
  const again = makeFlow({ url: 'http://www.agegate.example/', subscriber: SUBSCRIBER, partner: true });
  stage.onRequest(again);
  assert.equal(again.enrichmentDisabled, false, 'consent given again');
});

test('the store is not asked without a subscriber, without a partner, or once enrichment is off', () => {
  let asked = 0;
  const stage = consent({
    read: () => {
      asked++;
      return EMPTY_RECORD;
    },
  });
  stage.onRequest(makeFlow({ partner: true }));
  stage.onRequest(makeFlow({ url: 'http://news.example/', subscriber: SUBSCRIBER, partner: true }));
  const off = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  off.enrichmentDisabled = true;
  stage.onRequest(off);
  assert.equal(asked, 0);
});

test('an asynchronous answer is honoured; a store that fails means no enrichment, the request goes on', async () => {
  const later: ConsentLookup = { read: () => Promise.resolve({ withdrawn: new Set(['selfcare']), holder: undefined }) };
  const f = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  assert.deepEqual(await consent(later).onRequest(f), CONTINUE);
  assert.equal(f.enrichmentDisabled, true);

  const down: ConsentLookup = { read: () => Promise.reject(new Error('consent store unavailable')) };
  const g = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  const failed: string[] = [];
  assert.deepEqual(await runPipeline([consent(down)], g, { stageFailed: (name) => failed.push(name) }), CONTINUE);
  assert.deepEqual(failed, ['consent']);
  assert.equal(g.enrichmentDisabled, true);
});
