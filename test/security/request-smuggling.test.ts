// Threat: request smuggling / desync. A request whose framing two parsers
// could read differently must be refused with 400 and the connection closed,
// never forwarded as is: otherwise a second, hidden request could reach an
// origin with another subscriber's enrichment, or bypass the strip stage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';

let lab: Lab;
let originHits = 0;
before(async () => {
  lab = await startLab();
  lab.origin.server.on('request', () => originHits++);
});
after(() => lab.close());

const H = 'Host: news.example\r\n';
const cases: [string, string][] = [
  ['two different Content-Length', `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`],
  ['two identical Content-Length', `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd`],
  ['Content-Length list', `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: 4, 4\r\n\r\nabcd`],
  ['Content-Length with sign', `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: +4\r\n\r\nabcd`],
  ['negative Content-Length', `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`],
  ['Content-Length and Transfer-Encoding', `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding other than chunked', `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding: xchunked', `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding twice', `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['space before colon in Transfer-Encoding', `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`],
  ['Transfer-Encoding in HTTP/1.0', `POST http://news.example/ HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['body on GET', `GET http://news.example/ HTTP/1.1\r\n${H}Content-Length: 4\r\n\r\nabcd`],
  ['body on HEAD', `HEAD http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['bad chunk size', `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n4x\r\nabcd\r\n0\r\n\r\n`],
  ['control byte in header name', `GET http://news.example/ HTTP/1.1\r\n${H}X-\x01Foo: a\r\n\r\n`],
  ['tab in header name', `GET http://news.example/ HTTP/1.1\r\n${H}X-Foo\t: a\r\n\r\n`],
  ['obsolete line folding', `GET http://news.example/ HTTP/1.1\r\n${H}X-Foo: a\r\n b\r\n\r\n`],
  ['NUL in header value', `GET http://news.example/ HTTP/1.1\r\n${H}X-Foo: a\x00b\r\n\r\n`],
  ['bare CR in header value', `GET http://news.example/ HTTP/1.1\r\n${H}X-Foo: a\rb\r\n\r\n`],
  ['bare LF line endings', `GET http://news.example/ HTTP/1.1\nHost: news.example\nX-Foo: a\n\n`],
  ['two Host headers', `GET http://news.example/ HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n`],
];

for (const [name, bytes] of cases) {
  test(`refused with 400 and closed: ${name}`, async () => {
    const before = originHits;
    const r = await rawExchange(lab.gw.proxyAddress.port, bytes);
    assert.match(r.text, /^HTTP\/1\.1 400 /, r.text.slice(0, 80));
    assert.ok(r.closed, 'connection closed after the refusal');
    assert.equal(originHits, before, 'nothing reached the origin');
  });
}

test('a smuggled second request inside a body is never parsed as a request', async () => {
  const before = originHits;
  const inner = `GET http://my.operator.example/ HTTP/1.1\r\n${H}\r\n`;
  const r = await rawExchange(
    lab.gw.proxyAddress.port,
    `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: ${inner.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
  );
  assert.match(r.text, /^HTTP\/1\.1 400 /);
  assert.equal((r.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'exactly one response');
  assert.equal(originHits, before);
});

test('refusals are counted by reason and the gateway keeps serving', async () => {
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_malformed_requests_total\{reason="duplicate_host"\} [1-9]/);
  assert.match(text, /hedge_malformed_requests_total\{reason="body_not_allowed_for_method"\} [1-9]/);
  const ok = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/ HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  assert.match(ok.text, /^HTTP\/1\.1 200 /);
});

test('a valid chunked body is forwarded with unambiguous framing', async () => {
  const r = await rawExchange(
    lab.gw.proxyAddress.port,
    `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n`,
  );
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.match(r.text, /"bodyBytes": 7/);
});
