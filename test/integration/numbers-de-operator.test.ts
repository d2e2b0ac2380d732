// Issue 13: a German operator's packet gateway sends Calling-Station-Id as
// "4915123456789" (country code, no "+"). Through real radclient the self-care
// partner must receive +4915123456789; a number that is not a valid mobile
// number for DE is acknowledged, bound to nothing, counted and logged with the
// reason and the NAS, never the number. DE numbers are libphonenumber's example
// numbers (documentation ranges), the GB one Ofcom's drama range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf, lineOf } from '../helpers/config.js';
import { NAS_SECRET, acct, radclient, withRadius } from '../helpers/radius.js';
import { radiusLab } from '../helpers/radius-labs.js';
import { createLogger } from '../../src/shared/log.js';

const lines: Record<string, unknown>[] = [];
const log = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
const radius = radiusLab({ log, edit: (y) => withRadius()(y.replace('country: GB', 'country: DE')) });
const { skip, msisdnAt } = radius;
const refused = (reason: string) => radius.lab.gw.metrics.value('hedge_radius_numbers_refused_total', { reason });

test('DE operator: Calling-Station-Id 4915123456789 reaches the partner as +4915123456789', { skip }, async () => {
  const r = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.0.31', 'Calling-Station-Id': '4915123456789', 'Acct-Session-Id': 'de-31' }),
  );
  assert.ok(r.answered, r.output);
  assert.equal(await msisdnAt('127.0.0.31'), '+4915123456789');
  const national = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.0.32', 'Calling-Station-Id': '015123456789', 'Acct-Session-Id': 'de-32' }),
  );
  assert.ok(national.answered, national.output);
  assert.equal(await msisdnAt('127.0.0.32'), '+4915123456789', 'the national form reads the same');
});

test('DE operator: a GB number without "+" is acknowledged, bound to nothing, counted and logged without the number', { skip }, async () => {
  const before = await refused('not_mobile');
  const r = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.0.33', 'Calling-Station-Id': '447700900123', 'Acct-Session-Id': 'de-33' }),
  );
  assert.ok(r.answered, 'acknowledged, so the NAS does not retransmit it forever');
  assert.equal(await radius.lab.gw.bindings.get('127.0.0.33'), undefined);
  assert.equal(await msisdnAt('127.0.0.33'), undefined);
  assert.equal(await refused('not_mobile'), before + 1);
  const line = lines.find((l) => l.reason === 'number_not_mobile');
  assert.ok(line, 'one log line says why');
  assert.equal(line.nas, 'lab-pgw');
  assert.equal(line.level, 'warn');
  assert.ok(!JSON.stringify(lines).includes('447700900123') && !JSON.stringify(lines).includes('4915123456789'), 'no number in any log line');
});

test('refused datagrams: one log line per reason and NAS, however many arrive', { skip }, async () => {
  const count = () => lines.filter((l) => l.reason === 'bad_authenticator').length;
  for (let i = 0; i < 3; i++) {
    const r = await radclient(
      radius.port,
      'not-the-secret-of-this-nas',
      acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.0.34', 'Calling-Station-Id': '4915123456789', 'Acct-Session-Id': `bad-${i}` }),
      { retries: 1, timeoutS: 1 },
    );
    assert.equal(r.answered, false);
  }
  assert.equal(count(), 1, 'rate limited: the first refusal is logged, the rest counted');
  assert.ok((await radius.lab.gw.metrics.value('hedge_radius_packets_total', { result: 'bad_authenticator' })) >= 3);
});

test('DE operator: the admin API refuses "12345" with a clear error and stores "4915123456789" as +4915123456789', { skip }, async () => {
  const bad = await fetch(`${radius.lab.gw.adminUrl}/bindings/127.0.0.35`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '12345' }),
  });
  assert.equal(bad.status, 400);
  const err = (await bad.json()) as { error: { code: string; message: string } };
  assert.equal(err.error.code, 'HEDGE_ERR_BINDING_INVALID');
  assert.match(err.error.message, /msisdn: not a valid phone number for DE/);
  const good = await fetch(`${radius.lab.gw.adminUrl}/bindings/127.0.0.35`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '4915123456789' }),
  });
  assert.equal(good.status, 201);
  assert.equal((await radius.lab.gw.bindings.get('127.0.0.35'))?.subscriber.msisdn, '+4915123456789');
});

test('DE operator: static bindings "12345" and "+44 7700 900123x" are config errors at their line', () => {
  const yaml = DEMO_YAML.replace('country: GB', 'country: DE').replace('msisdn: "+447700900123"', 'msisdn: "12345"\n    - ip: 127.0.0.2\n      msisdn: "+44 7700 900123x"');
  const issues = issuesOf(yaml);
  const a = issues.find((i) => i.key === 'subscribers.static[0].msisdn');
  const b = issues.find((i) => i.key === 'subscribers.static[1].msisdn');
  assert.ok(a && b, JSON.stringify(issues));
  assert.match(a.message, /not a valid phone number for DE/);
  assert.match(b.message, /not a phone number: only digits/);
  assert.equal(a.line, lineOf(yaml, '"12345"'));
});
