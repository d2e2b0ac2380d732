// Issue "Real subscriber sessions", acceptance: RADIUS accounting from Debian's
// radclient drives the bindings the proxy enriches with. The lab pool 10/8 is
// mapped onto 127/8 (radius.framedAddressMap), so a framed 10.0.0.x subscriber
// is the loopback source 127.0.0.x: no traffic ever goes to a 10.x address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { NAS_SECRET, acct, radclient } from '../helpers/radius.js';
import { radiusLab } from '../helpers/radius-labs.js';
import { encodeAccountingRequest, sendAccounting } from '../../src/identity/radius/sender.js';

const radius = radiusLab();
const { skip, msisdnAt, packets } = radius;

test('radclient Start binds a framed 10.x address; the partner gets the number; Stop unbinds', { skip }, async () => {
  assert.equal(await msisdnAt('127.0.0.2'), undefined, 'nothing bound yet');
  const start = await radclient(
    radius.port,
    NAS_SECRET,
    acct({
      'Acct-Status-Type': 'Start',
      'Framed-IP-Address': '10.0.0.2',
      'Calling-Station-Id': '447700900201',
      'Acct-Session-Id': 'sess-201',
      '3GPP-IMSI': '001010000000201',
      '3GPP-RAT-Type': 'EUTRAN',
    }),
  );
  assert.ok(start.answered, start.output);
  assert.equal(await msisdnAt('127.0.0.2'), '+447700900201');
  const b = (await radius.lab.gw.bindings.get('127.0.0.2'))!;
  assert.equal(b.subscriber.imsi, '001010000000201');
  assert.equal(b.subscriber.ratType, 6);
  assert.equal(b.sessionId, 'sess-201');

  const stop = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Stop', 'Framed-IP-Address': '10.0.0.2', 'Calling-Station-Id': '447700900201', 'Acct-Session-Id': 'sess-201' }),
  );
  assert.ok(stop.answered, stop.output);
  assert.equal(await msisdnAt('127.0.0.2'), undefined, 'no longer enriched after Stop');
});

test('a wrong shared secret binds nothing, gets no answer and is counted', { skip }, async () => {
  const before = await packets('bad_authenticator');
  const r = await radclient(
    radius.port,
    'not-the-secret-of-this-nas',
    acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.0.4', 'Calling-Station-Id': '447700900204', 'Acct-Session-Id': 'sess-204' }),
    { retries: 1, timeoutS: 1 },
  );
  assert.equal(r.answered, false);
  assert.equal(await radius.lab.gw.bindings.get('127.0.0.4'), undefined);
  assert.equal(await msisdnAt('127.0.0.4'), undefined);
  assert.ok((await packets('bad_authenticator')) > before, 'counted');
});

test('a late Stop with an old session id leaves the new holder bound', { skip }, async () => {
  const start = (n: string, sid: string) =>
    radclient(radius.port, NAS_SECRET, acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.0.5', 'Calling-Station-Id': n, 'Acct-Session-Id': sid }));
  assert.ok((await start('447700900205', 'sess-old')).answered);
  assert.equal(await msisdnAt('127.0.0.5'), '+447700900205');
  assert.ok((await start('447700900206', 'sess-new')).answered, 'a Start for a held address replaces it at once');
  assert.equal(await msisdnAt('127.0.0.5'), '+447700900206');
  const late = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Stop', 'Framed-IP-Address': '10.0.0.5', 'Calling-Station-Id': '447700900205', 'Acct-Session-Id': 'sess-old' }),
  );
  assert.ok(late.answered, 'acknowledged all the same');
  assert.equal(await msisdnAt('127.0.0.5'), '+447700900206', 'the new binding survives');
  // A late Interim-Update of the old session does not take the address back either.
  const interim = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Interim-Update', 'Framed-IP-Address': '10.0.0.5', 'Calling-Station-Id': '447700900205', 'Acct-Session-Id': 'sess-old' }),
  );
  assert.ok(interim.answered);
  assert.equal(await msisdnAt('127.0.0.5'), '+447700900206');
});

test('a retransmission is answered again but applied once', { skip }, async () => {
  const pkt = encodeAccountingRequest({ status: 'start', framedIp: '10.0.0.7', msisdn: '447700900207', sessionId: 'sess-207' }, NAS_SECRET, 42);
  const sock = dgram.createSocket('udp4');
  const answers: Buffer[] = [];
  sock.on('message', (m) => answers.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const bound = () => radius.lab.gw.metrics.value('hedge_radius_accounting_total', { status: 'start', outcome: 'bound' });
  const dupBefore = await packets('duplicate');
  const boundBefore = await bound();
  try {
    sock.send(pkt, radius.port, '127.0.0.1');
    await waitFor(() => answers.length >= 1);
    sock.send(pkt, radius.port, '127.0.0.1');
    await waitFor(() => answers.length >= 2);
  } finally {
    sock.close();
  }
  assert.equal(answers[0]![0], 5, 'Accounting-Response');
  assert.deepEqual(answers[1], answers[0], 'the same answer again');
  assert.equal((await bound()) - boundBefore, 1, 'applied once');
  assert.equal((await packets('duplicate')) - dupBefore, 1);
});

test('Accounting-On from the NAS removes every binding it made', { skip }, async () => {
  for (const i of [8, 9])
    await sendAccounting('127.0.0.1', radius.port, NAS_SECRET, { status: 'start', framedIp: `10.0.0.${i}`, msisdn: `44770090020${i}`, sessionId: `sess-20${i}` });
  assert.equal(await msisdnAt('127.0.0.8'), '+447700900208');
  const on = await radclient(radius.port, NAS_SECRET, acct({ 'Acct-Status-Type': 'Accounting-On', 'Acct-Session-Id': 'nas-boot-1' }));
  assert.ok(on.answered, on.output);
  assert.equal(await msisdnAt('127.0.0.8'), undefined);
  assert.equal(await radius.lab.gw.bindings.get('127.0.0.9'), undefined);
  assert.ok(await radius.lab.gw.bindings.get('127.0.0.1'), 'the static binding (not from this NAS) stays');
});

test('a packet from a source that is not a configured NAS is dropped and counted', { skip }, async () => {
  const before = await packets('unknown_client');
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.9', () => r()));
  const pkt = encodeAccountingRequest({ status: 'start', framedIp: '10.0.0.10', msisdn: '447700900210', sessionId: 'sess-210' }, NAS_SECRET, 7);
  await new Promise<void>((r) => sock.send(pkt, radius.port, '127.0.0.1', () => r()));
  await waitFor(async () => (await packets('unknown_client')) > before);
  sock.close();
  assert.equal(await radius.lab.gw.bindings.get('127.0.0.10'), undefined);
});

test('bindings expire when no Interim-Update arrives within the multiple of Acct-Interim-Interval', { skip }, async () => {
  // interimMultiplier 3 (default) × Acct-Interim-Interval 1 s: gone after ~3 s without an update.
  await sendAccounting('127.0.0.1', radius.port, NAS_SECRET, { status: 'start', framedIp: '10.0.0.11', msisdn: '447700900211', sessionId: 'sess-211', interimInterval: 1 });
  assert.equal(await msisdnAt('127.0.0.11'), '+447700900211');
  const b = (await radius.lab.gw.bindings.get('127.0.0.11'))!;
  assert.ok(b.expiresAt! - b.updatedAt! === 3000, 'expiry = 3 × 1 s after the update');
  await waitFor(async () => (await msisdnAt('127.0.0.11')) === undefined, 20_000);
});

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
