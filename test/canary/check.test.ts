// What the canary probes and how it judges what arrived: the built-in
// .invalid hosts and one host per partner pattern; at a non-partner host
// nothing identifying may arrive, at a partner only its grants, each within
// its form. Findings name hosts, headers and attributes, never values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReceived, type CheckContext } from '../../src/canary/check.js';
import { CANARY_HOSTS, probesFor, type Probe } from '../../src/canary/probes.js';
import { SubscriberMatcher } from '../../src/detect/subscriber-match.js';
import { testPolicy, SUBSCRIBER } from '../helpers/pipeline.js';

const policy = testPolicy();
const probes = probesFor(policy);
const probe = (host: string): Probe => probes.find((p) => p.host === host)!;
const ctx: CheckContext = {
  matcher: new SubscriberMatcher({ ...SUBSCRIBER, clientAddress: '127.0.0.254' }),
  sent: new Map([['user-agent', 'hedge-canary']]),
  signatureHeaders: new Set(['signature-input', 'signature', 'hedge-partner']),
};
const arrived = (...rawHeaders: string[]) => ({ method: 'GET', path: '/', rawHeaders: ['Host', 'x', 'User-Agent', 'hedge-canary', ...rawHeaders] });
const failures = (p: Probe, ...h: string[]) => checkReceived(p, arrived(...h), ctx).filter((f) => f.severity === 'failure');

test('probes: the built-in hosts, every exact partner host, a concrete name under each wildcard', () => {
  assert.deepEqual(
    probes.map((p) => [p.host, p.partner?.id]),
    [
      ...CANARY_HOSTS.map((h) => [h, undefined]),
      ['my.operator.example', 'selfcare'],
      ['hedge-canary.agegate.example', 'agegate'],
      ['pay.billing.example', 'billing'],
      ['bank.example', 'bank'],
    ],
  );
});

test('a non-partner host: the number in any header, an identity header, an identifier-like value are failures', () => {
  const f = failures(probe('hedge-canary.invalid'), 'X-Debug', '447700900123', 'X-Nokia-IMSI', 'x', 'X-Other', '+447700900999');
  assert.deepEqual(
    f.map((x) => [x.kind, x.header, x.attribute]),
    [
      ['identifier', 'x-debug', 'msisdn'],
      ['identity-header', 'x-nokia-imsi', 'imsi'],
      ['identifier-like', 'x-other', 'msisdn'],
    ],
  );
  assert.ok(!JSON.stringify(f).includes('7700900'), 'findings carry no value');
  assert.deepEqual(failures(probe('hedge-canary.invalid'), 'Via', '1.1 hedge'), [], 'ordinary transport headers are fine');
});

test('a partner host: its grant passes, more than the form allows fails, a missing grant is a note', () => {
  const age = probe('hedge-canary.agegate.example');
  assert.deepEqual(failures(age, 'X-Age-Verified', 'yes'), []);
  assert.deepEqual(
    failures(age, 'X-Age-Verified', '447700900123').map((x) => [x.kind, x.header, x.attribute]),
    [['over-revealing', 'x-age-verified', 'msisdn']],
  );
  const missing = checkReceived(age, arrived(), ctx);
  assert.deepEqual(
    missing.map((x) => [x.kind, x.severity, x.header]),
    [['missing-grant', 'note', 'x-age-verified']],
  );
  assert.deepEqual(failures(probe('my.operator.example'), 'X-MSISDN', '+447700900123'), [], 'a raw grant may carry its own attribute');
});

test('the number in the path is a failure anywhere', () => {
  const f = checkReceived(probe('hedge-canary.invalid'), { method: 'GET', path: '/?cli=447700900123', rawHeaders: [] }, ctx);
  assert.deepEqual(
    f.map((x) => [x.kind, x.header]),
    [['identifier', ':path']],
  );
});
