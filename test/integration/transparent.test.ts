// Transparent mode: origin-form requests, destination from Host, enrichment
// only when Host resolves to the connection's original destination.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';

let lab: Lab;
let other: EchoOrigin;
before(async () => {
  // A second origin on another loopback address stands in for an attacker's server.
  other = await startEchoOrigin('127.0.0.2', 0);
  lab = await startLab({
    edit: (y) =>
      y.replace('mode: forward', 'mode: transparent\n  originalDestination: socket').replace('resolve:\n', `resolve:\n    "evil.example": 127.0.0.2:${other.address.port}\n`),
  });
});
after(async () => {
  await lab.close();
  await other.close();
});

function get(host: string): Promise<string> {
  return rawExchange(lab.gw.proxyAddress.port, `GET /page HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`).then((r) => r.text);
}

test('origin-form request is routed by Host and enriched when Host matches the original destination', async () => {
  const text = await get('my.operator.example');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /"x-msisdn": "\+447700900123"/);
  assert.match(text, /"path": "\/page"/);
});

test('Host that resolves elsewhere than the original destination is forwarded without enrichment and counted', async () => {
  // evil.example resolves to 127.0.0.2, but the connection was made to 127.0.0.1.
  const text = await get('evil.example');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.ok(!text.includes('447700900123'));
  assert.match(await lab.gw.metrics.text(), /hedge_unverified_destination_total [1-9]/);
});

test('without originalDestination the gateway never enriches in transparent mode', async () => {
  const lab2 = await startLab({ edit: (y) => y.replace('mode: forward', 'mode: transparent') });
  try {
    const r = await rawExchange(lab2.gw.proxyAddress.port, 'GET / HTTP/1.1\r\nHost: my.operator.example\r\nConnection: close\r\n\r\n');
    assert.match(r.text, /^HTTP\/1\.1 200 /);
    assert.ok(!r.text.includes('447700900123'));
  } finally {
    await lab2.close();
  }
});

test('missing Host in transparent mode → 400', async () => {
  const r = await rawExchange(lab.gw.proxyAddress.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.match(r.text, /^HTTP\/1\.1 400 /);
});
