// Stage 1 contract: every identity header a client sent is removed — catalogue
// names, every header a grant uses, in any case, with "_" for "-", every
// duplicate — the rest is kept in order, and what was removed is named (never
// its value) for the metrics. A throw refuses the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripInboundIdentity } from '../../../src/pipeline/stages/strip-inbound-identity.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { makeFlow, testPolicy } from '../../helpers/pipeline.js';

const stage = () => stripInboundIdentity(testPolicy().stripNames);

test('catalogue and granted header names go, in any spelling and every duplicate; the rest stays in order', () => {
  const f = makeFlow({
    headers: [
      'Host', 'my.operator.example',
      'X-UP-CALLING-LINE-ID', '447700900999',
      'Accept', '*/*',
      'x_msisdn', '+447700900999',
      'X-Age-Verified', 'yes',
      'X-Msisdn', '+447700900998',
      'Cookie', 'a=1',
    ],
  }); // prettier-ignore
  assert.deepEqual(stage().onRequest(f), CONTINUE);
  assert.deepEqual(f.headers, ['Host', 'my.operator.example', 'Accept', '*/*', 'Cookie', 'a=1']);
  assert.deepEqual(f.stripped, ['x-up-calling-line-id', 'x-msisdn', 'x-age-verified', 'x-msisdn'], 'canonical names, one per removed header');
});

test('a client pretending to be the gateway: its signature header and hedge-partner are removed too', () => {
  const policy = testPolicy();
  const f = makeFlow({ headers: ['Host', 'pay.billing.example', policy.signatureHeader, 'v=1; s=forged', 'Hedge-Partner', 'billing'] });
  stage().onRequest(f);
  assert.deepEqual(f.headers, ['Host', 'pay.billing.example']);
});

test('an ordinary request is left as it is (same list, nothing recorded)', () => {
  const f = makeFlow();
  const before = f.headers;
  stage().onRequest(f);
  assert.equal(f.headers, before, 'no copy on the common path');
  assert.deepEqual(f.stripped, []);
});

test('fails closed by refusing: forwarding possibly spoofed identity is worse than failing', () => {
  const broken = stripInboundIdentity(new Set(['x-msisdn']));
  assert.equal(broken.onError, 'refuse');
  // A header list the stage cannot read (a name that is not a string) makes it throw.
  const f = makeFlow({ headers: ['Host', 'news.example', undefined as unknown as string, '+447700900999'] });
  const failed: string[] = [];
  const v = runPipeline([broken], f, { stageFailed: (name) => failed.push(name) });
  assert.deepEqual(v, { kind: 'stop', status: 500, code: ErrorCodes.STAGE_FAILED, message: 'the gateway could not process this request safely (strip-inbound-identity)' });
  assert.deepEqual(failed, ['strip-inbound-identity']);
});
