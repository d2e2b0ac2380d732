// Grant forms: the value a grant produces for a subscriber.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { valueFunction } from '../../src/policy/forms.js';

test('forms: raw formats, claims, pseudonym = HMAC-SHA256(E.164) base64url under the partner pseudonym key', () => {
  const sub = { msisdn: '+447700900123', imsi: '001010000000123', ageVerified: false };
  const ctx = { subscriber: sub, clientAddress: '10.0.0.1', host: 'partner.example', iat: 1_700_000_000 };
  const none = { partnerId: 'p', lifetime: 300 };
  assert.equal(valueFunction('msisdn', 'raw', undefined, none)(ctx), '+447700900123');
  assert.equal(valueFunction('msisdn', 'raw', 'digits', none)(ctx), '447700900123');
  assert.equal(valueFunction('msisdn', 'raw', 'national', none)(ctx), '07700900123');
  assert.equal(valueFunction('age-verified', 'claim', undefined, none)(ctx), 'no');
  assert.equal(valueFunction('subscriber', 'claim', undefined, none)(ctx), 'yes');
  assert.equal(valueFunction('imei', 'raw', undefined, none)(ctx), undefined, 'no IMEI known → no header');
  const pseudonymKey = Buffer.from('s'.repeat(32));
  const expected = createHmac('sha256', pseudonymKey).update('+447700900123').digest('base64url');
  const f = valueFunction('msisdn', 'pseudonym', undefined, { ...none, pseudonymKey });
  assert.equal(f(ctx), expected);
  assert.equal(f(ctx), expected, 'memoised value is identical');
});

test("forms: a recycled number's pseudonym is keyed by the holder epoch; a number never reassigned keeps HMAC(E.164); IMSI is not keyed by it", () => {
  const sub = { msisdn: '+447700900123', imsi: '001010000000123', ageVerified: false };
  const base = { subscriber: sub, clientAddress: '10.0.0.1', host: 'partner.example', iat: 1_700_000_000 };
  const pseudonymKey = Buffer.from('s'.repeat(32));
  const keys = { partnerId: 'p', lifetime: 300, pseudonymKey };
  const hmac = (input: string) => createHmac('sha256', pseudonymKey).update(input).digest('base64url');
  const f = valueFunction('msisdn', 'pseudonym', undefined, keys);
  assert.equal(f({ ...base, holderEpoch: undefined }), hmac('+447700900123'), 'first holder: unchanged');
  const epoch = 1_764_000_000_123;
  assert.equal(f({ ...base, holderEpoch: epoch }), hmac(`+447700900123\u0000hedge-holder-v1\u0000${epoch}`));
  assert.equal(f({ ...base, holderEpoch: epoch + 1 }), hmac(`+447700900123\u0000hedge-holder-v1\u0000${epoch + 1}`), 'the memo follows the epoch');
  assert.equal(f({ ...base }), hmac('+447700900123'), 'and back: the memo holds no stale holder');
  assert.equal(f({ ...base, holderEpoch: null }), undefined, 'an epoch that cannot be told gives no pseudonym');
  const imsi = valueFunction('imsi', 'pseudonym', undefined, keys);
  assert.equal(imsi({ ...base, holderEpoch: epoch }), hmac('001010000000123'), 'a SIM is not recycled with the number');
});
