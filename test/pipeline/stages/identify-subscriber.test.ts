// Stage 2 fails closed: a store that throws, rejects or hangs past its timeout
// means no subscriber and no enrichment for this flow — the request goes on —
// and the failure reaches the hook that counts and alerts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identifySubscriber } from '../../../src/pipeline/stages/identify-subscriber.js';
import type { BindingStore } from '../../../src/identity/store.js';
import { ErrorCodes, HedgeError } from '../../../src/shared/errors.js';
import { MemoryBindingStore } from '../../../src/identity/memory-store.js';
import { makeFlow, SUBSCRIBER } from '../../helpers/pipeline.js';

const flow = () => makeFlow();

function store(lookup: BindingStore['lookup']): BindingStore {
  return { kind: 'test', lookup, find: () => undefined, get: () => undefined, set: () => {}, remove: () => false, list: () => [], size: () => 0, close: () => {} };
}

test('a store that throws: no subscriber, enrichment disabled, the hook told, the flow continues', () => {
  const seen: unknown[] = [];
  const stage = identifySubscriber(
    store(() => {
      throw new HedgeError(ErrorCodes.BINDING_STORE_UNAVAILABLE, 'down');
    }),
    (e) => seen.push(e),
  );
  const f = flow();
  const v = stage.onRequest(f);
  assert.deepEqual(v, { kind: 'continue' });
  assert.equal(f.subscriber, undefined);
  assert.equal(f.enrichmentDisabled, true);
  assert.equal((seen[0] as HedgeError).code, ErrorCodes.BINDING_STORE_UNAVAILABLE);
});

test('a store that rejects: the same, asynchronously', async () => {
  const seen: unknown[] = [];
  const stage = identifySubscriber(
    store(() => Promise.reject(new HedgeError(ErrorCodes.BINDING_STORE_UNAVAILABLE, 'timeout'))),
    (e) => seen.push(e),
  );
  const f = flow();
  assert.deepEqual(await stage.onRequest(f), { kind: 'continue' });
  assert.equal(f.subscriber, undefined);
  assert.equal(f.enrichmentDisabled, true);
  assert.equal(seen.length, 1);
});

test('a synchronous answer stays synchronous (no promise on the hot path)', () => {
  const stage = identifySubscriber(store(() => ({ msisdn: '+447700900123' })));
  const f = flow();
  const v = stage.onRequest(f);
  assert.ok(!(v instanceof Promise));
  assert.equal(f.subscriber?.msisdn, '+447700900123');
  assert.equal(f.enrichmentDisabled, false);
});

test('the memory store: the bound address gets its subscriber, any other address none (and stays enrichable)', () => {
  const bindings = new MemoryBindingStore();
  bindings.set({ ip: '10.1.2.3', subscriber: SUBSCRIBER });
  const stage = identifySubscriber(bindings);
  const bound = makeFlow({ clientAddress: '10.1.2.3' });
  assert.deepEqual(stage.onRequest(bound), { kind: 'continue' });
  assert.equal(bound.subscriber?.msisdn, SUBSCRIBER.msisdn);
  const stranger = makeFlow({ clientAddress: '10.1.2.4' });
  stage.onRequest(stranger);
  assert.equal(stranger.subscriber, undefined);
  assert.equal(stranger.enrichmentDisabled, false, 'no binding is not a failure');
});

test('a failing store also takes back anything already disclosed on the flow', () => {
  const stage = identifySubscriber(
    store(() => {
      throw new HedgeError(ErrorCodes.BINDING_STORE_UNAVAILABLE, 'down');
    }),
  );
  const f = makeFlow({ subscriber: SUBSCRIBER });
  f.disclose({ partnerId: 'selfcare', attribute: 'msisdn', form: 'raw', header: 'X-MSISDN', value: SUBSCRIBER.msisdn });
  stage.onRequest(f);
  assert.equal(f.subscriber, undefined);
  assert.deepEqual(f.disclosures, []);
  assert.equal(f.header('X-MSISDN'), undefined);
  assert.equal(stage.onError, 'no-enrichment', 'a throw the stage did not catch still only costs the enrichment');
});
