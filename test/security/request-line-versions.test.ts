// Threat: request lines in versions the gateway does not speak. An HTTP/0.9
// request (no version, or "HTTP/0.9") or an "HTTP/2.0" text request line used
// to be accepted and forwarded as HTTP/1.1 — with a Content-Length the origin
// might honour while the gateway read no body at all. Only HTTP/1.0 and
// HTTP/1.1 are accepted, on every path (requests, CONNECT, upgrades); anything
// else is refused with 400 HEDGE_ERR_HTTP_VERSION, the connection closed,
// nothing forwarded, counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';
import { ErrorCodes } from '../../src/shared/errors.js';

let lab: Lab;
let originHits = 0;
before(async () => {
  lab = await startLab();
  lab.origin.server.on('request', () => originHits++);
});
after(() => lab.close());

const H = 'Host: news.example\r\n';
const cases: [string, string][] = [
  ['HTTP/0.9 (no version)', 'GET http://news.example/\r\n\r\n'],
  ['HTTP/0.9 (no version) with headers', `GET http://news.example/\r\n${H}\r\n`],
  ['HTTP/0.9 with a Content-Length body', `POST http://news.example/ HTTP/0.9\r\n${H}Content-Length: 4\r\n\r\nabcd`],
  ['HTTP/0.9', `GET http://news.example/ HTTP/0.9\r\n${H}\r\n`],
  ['HTTP/2.0', `GET http://news.example/ HTTP/2.0\r\n${H}\r\n`],
  ['HTTP/2.0 with a body', `POST http://news.example/ HTTP/2.0\r\n${H}Content-Length: 4\r\n\r\nabcd`],
  ['HTTP/1.2', `GET http://news.example/ HTTP/1.2\r\n${H}\r\n`],
  ['HTTP/1.9', `GET http://news.example/ HTTP/1.9\r\n${H}\r\n`],
  ['HTTP/3.0', `GET http://news.example/ HTTP/3.0\r\n${H}\r\n`],
  ['HTTP/01.1', `GET http://news.example/ HTTP/01.1\r\n${H}\r\n`],
  ['HTTP/1.10', `GET http://news.example/ HTTP/1.10\r\n${H}\r\n`],
  ['lower-case http/1.1', `GET http://news.example/ http/1.1\r\n${H}\r\n`],
  ['CONNECT in HTTP/2.0', 'CONNECT news.example:443 HTTP/2.0\r\nHost: news.example:443\r\n\r\n'],
  ['CONNECT in HTTP/0.9', 'CONNECT news.example:443 HTTP/0.9\r\nHost: news.example:443\r\n\r\n'],
  ['upgrade in HTTP/2.0', `GET http://news.example/ HTTP/2.0\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`],
  ['upgrade in HTTP/0.9', `GET http://news.example/ HTTP/0.9\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`],
];

for (const [name, bytes] of cases) {
  test(`refused with 400 and closed: ${name}`, async () => {
    const before = originHits;
    const r = await rawExchange(lab.gw.proxyAddress.port, bytes);
    assert.match(r.text, /^HTTP\/1\.1 400 /, r.text.slice(0, 80));
    assert.match(r.text, new RegExp(`x-hedge-error: (${ErrorCodes.HTTP_VERSION}|${ErrorCodes.MALFORMED_REQUEST})\\r\\n`, 'i'));
    assert.ok(r.closed, 'connection closed after the refusal');
    assert.equal(originHits, before, 'nothing reached the origin');
  });
}

test('the versions the gateway speaks still work, and refusals are counted', async () => {
  for (const v of ['1.0', '1.1']) {
    const r = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/ HTTP/${v}\r\n${H}Connection: close\r\n\r\n`);
    assert.match(r.text, new RegExp(`^HTTP/1\\.1 200 `), `HTTP/${v}`);
  }
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_malformed_requests_total\{reason="http_version"\} [1-9]/);
});
