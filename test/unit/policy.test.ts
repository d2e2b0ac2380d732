import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostPattern, hostPatternMatches, type HostPattern } from '../../src/shared/host-pattern.js';
import { HostIndex } from '../../src/policy/host-index.js';
import { toE164, toNationalDigits, isImei } from '../../src/subscriber/normalize.js';
import { valueFunction } from '../../src/policy/forms.js';
import { parseAbsoluteForm, parseOriginForm } from '../../src/shared/request-target.js';
import { createHmac } from 'node:crypto';

const hp = (s: string) => parseHostPattern(s) as HostPattern;

test('host patterns: exact, wildcard (subdomains not apex), port', () => {
  assert.ok(hostPatternMatches(hp('my.operator.example'), 'my.operator.example', 80));
  assert.ok(!hostPatternMatches(hp('my.operator.example'), 'x.my.operator.example', 80));
  assert.ok(hostPatternMatches(hp('*.agegate.example'), 'www.agegate.example', 80));
  assert.ok(hostPatternMatches(hp('*.agegate.example'), 'a.b.agegate.example', 80));
  assert.ok(!hostPatternMatches(hp('*.agegate.example'), 'agegate.example', 80), 'not the apex');
  assert.ok(!hostPatternMatches(hp('*.agegate.example'), 'evilagegate.example', 80));
  assert.ok(hostPatternMatches(hp('pay.example:8443'), 'pay.example', 8443));
  assert.ok(!hostPatternMatches(hp('pay.example:8443'), 'pay.example', 80));
  for (const bad of ['', 'a.*.example', '*example', 'exa mple.com', 'host:99999', '**.x']) assert.equal(typeof parseHostPattern(bad), 'string', bad);
});

test('host index picks the most specific pattern and agrees with the matcher', () => {
  const idx = new HostIndex<string>();
  idx.add(hp('*.example'), 'wild');
  idx.add(hp('*.shop.example'), 'shop');
  idx.add(hp('pay.shop.example'), 'pay');
  idx.add(hp('pay.shop.example:8443'), 'pay-tls');
  assert.equal(idx.lookup('pay.shop.example', 80), 'pay');
  assert.equal(idx.lookup('pay.shop.example', 8443), 'pay-tls');
  assert.equal(idx.lookup('a.shop.example', 80), 'shop');
  assert.equal(idx.lookup('news.example', 80), 'wild');
  assert.equal(idx.lookup('example', 80), undefined);
  assert.equal(idx.lookup('other.test', 80), undefined);
});

test('numbers in common formats normalise to E.164', () => {
  for (const n of ['+447700900123', '447700900123', '07700 900123', '07700-900-123', '00447700900123', '(07700) 900123']) assert.equal(toE164(n, 'GB'), '+447700900123', n);
  assert.equal(toNationalDigits('+447700900123'), '07700900123');
  assert.throws(
    () => toE164('12', 'GB'),
    (e: unknown) => (e as { code?: string }).code === 'HEDGE_ERR_NUMBER_INVALID',
  );
  assert.ok(isImei('490154203237518'));
  assert.ok(!isImei('490154203237519'));
});

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

test('request targets: absolute-form and origin-form', () => {
  assert.deepEqual(parseAbsoluteForm('http://News.Example:8080/a?b=1'), { scheme: 'http', host: 'news.example', port: 8080, path: '/a?b=1' });
  assert.deepEqual(parseAbsoluteForm('http://news.example'), { scheme: 'http', host: 'news.example', port: 80, path: '/' });
  assert.deepEqual(parseAbsoluteForm('http://[::1]:81/x'), { scheme: 'http', host: '::1', port: 81, path: '/x' });
  for (const bad of ['ftp://x/', 'http://u:p@x/', 'http://x:0/', 'http://x:99999/', 'http:///x', 'http://a b/']) assert.ok('error' in parseAbsoluteForm(bad), bad);
  assert.deepEqual(parseOriginForm('/p', 'Host.Example'), { scheme: 'http', host: 'host.example', port: 80, path: '/p' });
  assert.ok('error' in parseOriginForm('/p', undefined));
});
