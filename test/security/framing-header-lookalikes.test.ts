// Threat: header names that only look like framing headers. The gateway frames
// a request by Content-Length / Transfer-Encoding; a backend that normalises
// header names (CGI and WSGI turn "-" into "_", some servers fold repeated or
// odd punctuation) may read "Content_Length: 40" or "Transfer__Encoding:
// chunked" as framing the gateway ignored, and find a second request in what
// the gateway forwarded as a body. Any name that spells a framing header once
// punctuation is ignored, but is not exactly it, is refused (400
// HEDGE_ERR_AMBIGUOUS_FRAMING, connection closed, never forwarded), and so is
// a Transfer-Encoding value with odd delimiters or whitespace.
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

const R = 'POST http://news.example/ HTTP/1.1\r\nHost: news.example\r\n';
const lookalikes = [
  'Content_Length: 4',
  'content_length: 4',
  'Content--Length: 4',
  'Content-Length-: 4',
  '-Content-Length: 4',
  'Content.Length: 4',
  'ContentLength: 4',
  'Content~Length: 4',
  'Transfer_Encoding: chunked',
  'Transfer__Encoding: chunked',
  'Transfer--Encoding: chunked',
  'Transfer-Encoding_: chunked',
  '_Transfer-Encoding: chunked',
  'TransferEncoding: chunked',
  "Transfer'Encoding: chunked",
  'Transfer-Encoding : chunked',
  'Transfer-Encoding\t: chunked',
  ' Transfer-Encoding: chunked',
];
const oddTransferEncodings = [
  'Transfer-Encoding: chunked;',
  'Transfer-Encoding: ,chunked',
  'Transfer-Encoding: chunked,',
  'Transfer-Encoding: chunked, chunked',
  'Transfer-Encoding: "chunked"',
  'Transfer-Encoding: chunked\t',
  'Transfer-Encoding: \x0bchunked',
  'Transfer-Encoding: chunked\x0c',
  'Transfer-Encoding: chunked\xa0',
  'Transfer-Encoding: \xa0chunked',
  'Transfer-Encoding: chun ked',
  'Transfer-Encoding: identity',
  'Transfer-Encoding: chunked\r\n\tchunked',
];

for (const h of [...lookalikes, ...oddTransferEncodings]) {
  test(`refused with 400 and closed: ${JSON.stringify(h)}`, async () => {
    const before = originHits;
    const body = h.toLowerCase().includes('chunked') ? '4\r\nabcd\r\n0\r\n\r\n' : 'abcd';
    const r = await rawExchange(lab.gw.proxyAddress.port, Buffer.from(`${R}${h}\r\n\r\n${body}`, 'latin1'));
    assert.match(r.text, /^HTTP\/1\.1 400 /, r.text.slice(0, 80));
    assert.match(r.text, new RegExp(`x-hedge-error: (${ErrorCodes.AMBIGUOUS_FRAMING}|${ErrorCodes.MALFORMED_REQUEST})\\r\\n`, 'i'));
    assert.ok(r.closed, 'connection closed after the refusal');
    assert.equal(originHits, before, 'nothing reached the origin');
  });
}

test('a tab before the value is optional whitespace (RFC 9110): the parser drops it and the origin gets clean framing', async () => {
  let seen: string | undefined;
  const on = (req: import('node:http').IncomingMessage) => (seen = req.rawHeaders.join('|'));
  lab.origin.server.once('request', on);
  const r = await rawExchange(lab.gw.proxyAddress.port, `${R}Transfer-Encoding:\tchunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.match(r.text, /"bodyBytes": 4/);
  assert.match(seen ?? '', /\|(content-length\|4|transfer-encoding\|chunked)(\||$)/i, 'the origin gets framing the gateway wrote itself');
  assert.doesNotMatch(seen ?? '', /\t/);
});

test('ordinary names that merely contain the words are forwarded', async () => {
  for (const h of ['X-Content-Length-Hint: 4', 'Content-Language: en', 'X-Transfer-Encoding-Note: none', 'Content-Type: text/plain']) {
    const r = await rawExchange(lab.gw.proxyAddress.port, `${R}${h}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd`);
    assert.match(r.text, /^HTTP\/1\.1 200 /, h);
  }
});

test('look-alike refusals are counted by reason', async () => {
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_malformed_requests_total\{reason="framing_header_lookalike"\} [1-9]/);
});
