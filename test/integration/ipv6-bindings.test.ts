// Issue "Bindings for today's networks", acceptance: IPv6 prefix bindings from
// real RADIUS accounting (Debian's radclient), dual stack, enrichment of a
// phone at an IPv6 source inside its prefix. Loopback only: the phone is ::1
// end to end (the only IPv6 address on lo), inside the session's prefix ::/64;
// other addresses of that /64, and addresses outside it, are checked through
// the store's lookup — the function the pipeline calls for every request.
// test/integration/ipv6-netns.test.ts does the same end to end with real
// addresses of a /64 inside a network namespace of its own (when root).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, acct, radclient, radclientMissing } from '../helpers/radius.js';
import { encodeAccountingRequest, sendAccounting } from '../../src/identity/radius/sender.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';

const skip = radclientMissing();
let lab: Lab;
let v6origin: EchoOrigin;
let port: number;

before(async () => {
  if (skip) return;
  v6origin = await startEchoOrigin('::1', 0);
  lab = await startLab({
    proxyListen: '[::1]:0',
    adminListen: '[::1]:0',
    edit: (y) =>
      y
        .replace(
          /^partners:/m,
          `radius:\n  listen: "[::1]:0"\n  clients:\n    - { name: lab-pgw, address: 127.0.0.1, secret: "${NAS_SECRET}" }\n    - { name: lab-pgw6, address: "::1", secret: "${NAS_SECRET}", ipv6PrefixLength: 64 }\n  framedAddressMap:\n    - { from: 10.0.0.0/8, to: 127.0.0.0/8 }\npartners:`,
        )
        .replace('  resolve:\n', `  resolve:\n    v6.operator.example: "[::1]:${v6origin.address.port}"\n`)
        .replace('    hosts: [my.operator.example]', '    hosts: [my.operator.example, v6.operator.example]'),
  });
  port = lab.gw.radius!.address.port;
});
after(async () => {
  await lab?.close();
  await v6origin?.close();
});

const msisdnAt = async (source: string, url = 'http://my.operator.example/'): Promise<string | undefined> => {
  const r = await viaProxy(lab.gw.proxyAddress, url, { localAddress: source });
  assert.equal(r.status, 200, 'traffic always flows');
  return r.json().headers['x-msisdn'] as string | undefined;
};
const lookup = async (a: string) => (await lab.gw.bindings.lookup(a))?.msisdn;
const send = (fields: Record<string, string | number>) => radclient(port, NAS_SECRET, acct(fields), { host: '::1' });

test('radclient Start with Framed-IPv6-Prefix: the phone at ::1 is enriched; its /64 is bound, nothing outside', { skip }, async () => {
  assert.equal(await msisdnAt('::1'), undefined, 'nothing bound yet');
  const start = await send({ 'Acct-Status-Type': 'Start', 'Framed-IPv6-Prefix': '::/64', 'Calling-Station-Id': '447700900301', 'Acct-Session-Id': 'v6-301' });
  assert.ok(start.answered, start.output);
  assert.equal(await msisdnAt('::1'), '+447700900301', 'the phone at ::1 (inside ::/64) is enriched for the partner');
  assert.equal(await msisdnAt('::1', 'http://v6.operator.example/'), '+447700900301', 'also at a partner reached over IPv6');
  assert.equal(await msisdnAt('::1', 'http://news.example/'), undefined, 'never at a non-partner');
  for (const a of ['::2', '::a1b2:c3d4:e5f6:7788', '0:0:0:0:ffff:ffff:ffff:fffe']) assert.equal(await lookup(a), '+447700900301', `${a}: same /64`);
  for (const a of ['0:0:0:1::1', '2001:db8::1', 'fe80::1']) assert.equal(await lookup(a), undefined, `${a}: outside the /64`);
  const listed = (await (await fetch(`${lab.gw.adminUrl}/bindings`)).json()) as { bindings: { ip: string }[] };
  assert.ok(
    listed.bindings.some((b) => b.ip === '::/64'),
    'the admin API lists the prefix',
  );
  const shown = (await (await fetch(`${lab.gw.adminUrl}/bindings/${encodeURIComponent('::beef')}`)).json()) as { ip: string; msisdn: string };
  assert.equal(shown.ip, '::/64', 'an address shows the binding of its prefix');

  const stop = await send({ 'Acct-Status-Type': 'Stop', 'Framed-IPv6-Prefix': '::/64', 'Acct-Session-Id': 'v6-301' });
  assert.ok(stop.answered, stop.output);
  assert.equal(await msisdnAt('::1'), undefined, 'no longer enriched after Stop');
});

test('a late Stop of an old session keeps the prefix of the session that holds it now', { skip }, async () => {
  assert.ok((await send({ 'Acct-Status-Type': 'Start', 'Framed-IPv6-Prefix': '2001:db8:1:2::/64', 'Calling-Station-Id': '447700900311', 'Acct-Session-Id': 'old-311' })).answered);
  assert.ok((await send({ 'Acct-Status-Type': 'Start', 'Framed-IPv6-Prefix': '2001:db8:1:2::/64', 'Calling-Station-Id': '447700900312', 'Acct-Session-Id': 'new-312' })).answered);
  assert.ok((await send({ 'Acct-Status-Type': 'Stop', 'Framed-IPv6-Prefix': '2001:db8:1:2::/64', 'Acct-Session-Id': 'old-311' })).answered);
  assert.equal(await lookup('2001:db8:1:2::99'), '+447700900312', 'the new session keeps it');
  assert.equal(await lab.gw.metrics.value('hedge_radius_accounting_total', { status: 'stop', outcome: 'not_current' }), 1);
});

test('dual stack: one session binds IPv4, Framed-IPv6-Prefix, Delegated-IPv6-Prefix and Framed-IPv6-Address; Stop removes both families', { skip }, async () => {
  const start = await send({
    'Acct-Status-Type': 'Start',
    'Framed-IP-Address': '10.0.0.21',
    'Framed-IPv6-Prefix': '2001:db8:21:1::/64',
    'Delegated-IPv6-Prefix': '2001:db8:2100::/56',
    'Framed-IPv6-Address': '2001:db8:21:9::5',
    'Calling-Station-Id': '447700900321',
    'Acct-Session-Id': 'ds-321',
  });
  assert.ok(start.answered, start.output);
  assert.equal(await lookup('127.0.0.21'), '+447700900321', 'IPv4 side (the proxy here listens on ::1 only)');
  assert.equal(await lookup('::ffff:127.0.0.21'), '+447700900321', 'IPv4-mapped IPv6 is IPv4');
  assert.equal(await lookup('2001:db8:21:1::abc'), '+447700900321', 'framed prefix');
  assert.equal(await lookup('2001:db8:2100:ff::1'), '+447700900321', 'delegated /56');
  assert.equal(await lookup('2001:db8:21:9::77'), '+447700900321', 'Framed-IPv6-Address bound at the NAS length /64');
  assert.deepEqual((await lab.gw.bindings.get('2001:db8:21:1::/64'))?.peers?.sort(), ['127.0.0.21', '2001:db8:21:9::/64', '2001:db8:2100::/56'].sort());
  // A Stop that repeats only the IPv4 address still ends the whole session.
  const stop = await send({ 'Acct-Status-Type': 'Stop', 'Framed-IP-Address': '10.0.0.21', 'Acct-Session-Id': 'ds-321' });
  assert.ok(stop.answered, stop.output);
  assert.equal(await lookup('127.0.0.21'), undefined);
  for (const a of ['2001:db8:21:1::abc', '2001:db8:2100:ff::1', '2001:db8:21:9::77']) assert.equal(await lookup(a), undefined, `${a} removed with its session`);
});

test('Accounting-On clears the NAS bindings of both families', { skip }, async () => {
  assert.ok(
    (
      await send({
        'Acct-Status-Type': 'Start',
        'Framed-IP-Address': '10.0.0.22',
        'Framed-IPv6-Prefix': '2001:db8:22::/64',
        'Calling-Station-Id': '447700900322',
        'Acct-Session-Id': 'on-322',
      })
    ).answered,
  );
  assert.equal(await lookup('2001:db8:22::1'), '+447700900322');
  assert.ok((await send({ 'Acct-Status-Type': 'Accounting-On', 'Acct-Session-Id': 'reboot' })).answered);
  assert.equal(await lookup('2001:db8:22::1'), undefined);
  assert.equal(await lookup('127.0.0.22'), undefined);
});

test('malformed IPv6 prefix attributes are dropped and counted; the rest of the request still applies', { skip }, async () => {
  const before = await lab.gw.metrics.value('hedge_radius_attributes_dropped_total', { attribute: 'Framed-IPv6-Prefix' });
  // Hand-built attributes (radclient refuses to encode them): a prefix length over 128,
  // fewer octets than the length needs, and a /0 that would bind every IPv6 address.
  const bad = [Buffer.from([0, 200, 0x20, 0x01]), Buffer.from([0, 64, 0x20, 0x01]), Buffer.from([0, 0])];
  const { radiusWith3gpp } = await import('../../src/identity/radius/dictionary.js');
  const packet = radiusWith3gpp().encode({
    code: 'Accounting-Request',
    secret: NAS_SECRET,
    identifier: 77,
    attributes: [
      ['Acct-Status-Type', 'Start'],
      ['Acct-Session-Id', 'bad-331'],
      ['Framed-IP-Address', '10.0.0.31'],
      ['Calling-Station-Id', '447700900331'],
      ...bad.map((b) => [97, b]),
    ],
  });
  const { default: dgram } = await import('node:dgram');
  const sock = dgram.createSocket('udp6');
  const answered = new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 3000);
    sock.once('message', () => (clearTimeout(t), resolve(true)));
  });
  sock.send(packet, port, '::1');
  assert.ok(await answered, 'answered: the packet itself is valid');
  sock.close();
  assert.equal(await lookup('127.0.0.31'), '+447700900331', 'IPv4 bound');
  assert.equal(await lookup('2001::1'), undefined, 'no wide prefix bound');
  assert.equal((await lab.gw.metrics.value('hedge_radius_attributes_dropped_total', { attribute: 'Framed-IPv6-Prefix' })) - before, 3);
});

test('hedge radius send encodes the IPv6 attributes hedge reads back', { skip }, async () => {
  await sendAccounting('::1', port, NAS_SECRET, {
    status: 'start',
    framedIpv6Prefix: '2001:db8:41:1::/64',
    delegatedIpv6Prefix: '2001:db8:4100::/48',
    framedIpv6Address: '2001:db8:41:2::9',
    msisdn: '447700900341',
    sessionId: 's-341',
  });
  assert.equal(await lookup('2001:db8:41:1::1'), '+447700900341');
  assert.equal(await lookup('2001:db8:4100:abcd::1'), '+447700900341');
  assert.equal(await lookup('2001:db8:41:2::1'), '+447700900341');
  const enc = encodeAccountingRequest({ status: 'stop', framedIpv6Prefix: '2001:db8:41:1::/64', sessionId: 's-341' }, NAS_SECRET, 1);
  assert.ok(enc.includes(Buffer.from([97, 12, 0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0x41, 0, 1])), 'Framed-IPv6-Prefix carries only the octets its length needs');
});

test('admin API: PUT and DELETE a prefix binding; an address with host bits beyond the length is refused', { skip }, async () => {
  const put = await fetch(`${lab.gw.adminUrl}/bindings/${encodeURIComponent('2001:db8:51::/64')}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '+447700900351' }),
  });
  assert.equal(put.status, 201);
  assert.equal(((await put.json()) as { ip: string }).ip, '2001:db8:51::/64');
  assert.equal(await lookup('2001:db8:51::7'), '+447700900351');
  const bad = await fetch(`${lab.gw.adminUrl}/bindings/${encodeURIComponent('2001:db8:51::1/64')}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '+447700900351' }),
  });
  assert.equal(bad.status, 400);
  const del = await fetch(`${lab.gw.adminUrl}/bindings/2001:db8:51::/64`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  assert.equal(await lookup('2001:db8:51::7'), undefined);
});

test('the proxy listens on ::1 and forwards to an IPv6 origin (Host stays the name)', { skip }, async () => {
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '::1', port: lab.gw.proxyAddress.port, path: 'http://v6.operator.example/x', agent: false, localAddress: '::1' });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { host: string }).host, 'v6.operator.example');
});
