// Threat: a client (say, on WiFi, or a phone with a crafted request) sends
// identity headers itself to impersonate a subscriber at a partner. Every
// client copy — any case, "_" for "-", duplicates, every catalogue header —
// must be gone before any origin sees the request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, rawExchange, type Lab } from '../helpers/gateway.js';
import { HEADER_CATALOGUE } from '../../src/detect/header-catalogue.js';

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(() => lab.close());

const FAKE = '+447700900999';
const spoofed: [string, string][] = [
  ['X-MSISDN', FAKE],
  ['x_msisdn', FAKE],
  ['X_Msisdn', FAKE],
  ['X-Up-Calling-Line-Id', '447700900999'],
  ['x-up-calling-line-id', '447700900998'],
  ['X-Age-Verified', 'yes'],
  ['X-Subscriber-Alias', 'forged'],
  ...HEADER_CATALOGUE.map((e): [string, string] => [e.name.toUpperCase(), 'spoof-' + e.name]),
  ...HEADER_CATALOGUE.map((e): [string, string] => [e.name.replace(/-/g, '_'), 'spoof_' + e.name]),
];

function assertNoSpoof(rawHeaders: string[]) {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const v = rawHeaders[i + 1]!;
    assert.ok(!v.includes('spoof') && !v.includes('447700900999') && !v.includes('447700900998') && v !== 'forged', `client value leaked in ${rawHeaders[i]}`);
  }
}

for (const host of ['news.example', 'my.operator.example', 'wap.operator.example', 'www.agegate.example', 'pay.billing.example']) {
  test(`every client identity header is removed before ${host} sees the request`, async () => {
    const r = await viaProxy(lab.gw.proxyAddress, `http://${host}/`, { headers: spoofed });
    const e = r.json();
    assertNoSpoof(e.rawHeaders);
  });
}

test('the partner sees only the gateway value, once', async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { headers: spoofed })).json();
  const values = [];
  for (let i = 0; i < e.rawHeaders.length; i += 2) if (e.rawHeaders[i]!.toLowerCase() === 'x-msisdn') values.push(e.rawHeaders[i + 1]);
  assert.deepEqual(values, ['+447700900123']);
  const age = (
    await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/', {
      headers: [
        ['X-Age-Verified', 'yes'],
        ['x_age_verified', 'yes'],
      ],
    })
  ).json();
  assert.equal(age.headers['x-age-verified'], 'yes');
  assert.equal(age.rawHeaders.filter((h) => /^x[-_]age[-_]verified$/i.test(h)).length, 1);
});

test('duplicates sent on the wire are all removed', async () => {
  const r = await rawExchange(
    lab.gw.proxyAddress.port,
    'GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nX-MSISDN: +447700900999\r\nx-msisdn: +447700900998\r\nX_MSISDN: 447700900999\r\nConnection: close\r\n\r\n',
  );
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.ok(!/447700900999|447700900998/.test(r.text.split('\r\n\r\n')[1] ?? ''), 'no spoofed value reached the origin');
});

test('a client cannot drop the gateway header by listing it in Connection', async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { headers: { Connection: 'X-MSISDN' } })).json();
  assert.equal(e.headers['x-msisdn'], '+447700900123');
});

// A spoofed header the client's own Connection header lists is removed as
// hop-by-hop before the strip stage runs: it never reached the partner, but it
// was not counted either, so listing it in Connection hid an impersonation
// attempt from hedge_inbound_identity_stripped_total.
test('a spoofed header the client lists in Connection is removed and still counted', async () => {
  const stripped = async () => Number(/hedge_inbound_identity_stripped_total\{header="x-up-calling-line-id"\} (\d+)/.exec(await lab.gw.metrics.text())?.[1] ?? 0);
  const before = await stripped();
  const e = (
    await viaProxy(lab.gw.proxyAddress, 'http://wap.operator.example/', { headers: { Connection: 'X-Up-Calling-Line-ID', 'X-Up-Calling-Line-ID': '447700900999' } })
  ).json();
  assert.equal(e.headers['x-up-calling-line-id'], '447700900123', 'the gateway value, not the client one');
  assert.equal(await stripped(), before + 1);
});

test('stripped headers are counted by canonical name, never by value', async () => {
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_inbound_identity_stripped_total\{header="x-msisdn"\} [1-9]/);
  assert.ok(!text.includes('447700900999'));
});
