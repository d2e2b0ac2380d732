// Threat: a client spells an identity header so that the strip stage does not
// know it, but the partner's stack does. Apache's CGI environment turns every
// character that is not a letter or digit into "_" (X.MSISDN → HTTP_X_MSISDN),
// PHP reads "." as "_", lighttpd the same: the client's copy arrives as the
// identity header itself, ahead of the gateway's, and a subscriber (or anyone
// on Wi-Fi, where nothing is added) claims another's number. The strip stage
// compared names in lower case with "_" read as "-" only; now on their letters
// and digits, so every such spelling is removed and counted under the listed name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(() => lab.close());

const FAKE = '447700900999';
const spellings: [string, string][] = [
  ['x.msisdn', FAKE],
  ['X.MSISDN', FAKE],
  ['X--MSISDN', FAKE],
  ['X~MSISDN', FAKE],
  ['-X-MSISDN-', FAKE],
  ['XMSISDN', FAKE],
  ['X-Up-Calling-Line.ID', FAKE],
  ['X.Up.Calling.Line.Id', FAKE],
  ['x-upcallinglineid', FAKE],
  ['X.Age.Verified', 'yes'],
  ['Hedge.Partner', 'forged'],
];

for (const host of ['news.example', 'my.operator.example', 'wap.operator.example', 'www.agegate.example']) {
  test(`no spelling of an identity header reaches ${host}`, async () => {
    const e = (await viaProxy(lab.gw.proxyAddress, `http://${host}/`, { headers: spellings })).json();
    for (let i = 0; i < e.rawHeaders.length; i += 2) {
      const [name, value] = [e.rawHeaders[i]!, e.rawHeaders[i + 1]!];
      assert.ok(!value.includes(FAKE) && value !== 'forged', `the client's ${name} reached the origin`);
      if (name.toLowerCase().replace(/[^a-z0-9]/g, '') === 'xageverified') assert.ok(host === 'www.agegate.example', `${name} reached ${host}`);
    }
  });
}

test("the partner sees the gateway's value only", async () => {
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { headers: spellings })).json();
  const msisdn: string[] = [];
  for (let i = 0; i < e.rawHeaders.length; i += 2) if (e.rawHeaders[i]!.toLowerCase().replace(/[^a-z0-9]/g, '') === 'xmsisdn') msisdn.push(e.rawHeaders[i + 1]!);
  assert.deepEqual(msisdn, ['+447700900123']);
});

test('ordinary headers that merely contain the letters are kept', async () => {
  const kept: [string, string][] = [
    ['X-MSISDN-Hint', 'kept-1'],
    ['MSISDNs', 'kept-2'],
    ['Accept-Language', 'en'],
  ];
  const e = (await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { headers: kept })).json();
  assert.equal(e.headers['x-msisdn-hint'], 'kept-1');
  assert.equal(e.headers['msisdns'], 'kept-2');
});

test('counted under the listed name, never under the client spelling', async () => {
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_inbound_identity_stripped_total\{header="x-msisdn"\} [1-9]/);
  assert.match(text, /hedge_inbound_identity_stripped_total\{header="x-up-calling-line-id"\} [1-9]/);
  assert.ok(!/header="[^"]*[.~]/.test(text) && !text.includes('header="xmsisdn"') && !text.includes(FAKE));
});
