// Threat: refusals an operator cannot tell apart. Every refusal the proxy
// writes — the parser's own 400s, CONNECT and upgrade refusals written on a
// raw socket, header-limit refusals, upstream failures — carries an
// `X-Hedge-Error` code from src/errors.ts, and each cause has its own code:
// "too many headers" is not a bad target and a DNS failure is not a reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';
import { ErrorCodes } from '../../src/shared/errors.js';
import { classify, upstreamFailure } from '../../src/proxy/upstream.js';

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(() => lab.close());

const H = 'Host: news.example\r\n';
const many = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: a\r\n`).join('');
const cases: [string, string, number, string][] = [
  ['too many header fields', `GET http://news.example/ HTTP/1.1\r\n${H}${many(200)}\r\n`, 431, ErrorCodes.TOO_MANY_HEADERS],
  ['header section larger than the limit', `GET http://news.example/ HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(70_000)}\r\n\r\n`, 431, ErrorCodes.HEADERS_TOO_LARGE],
  ['parser error: control byte in a header name', `GET http://news.example/ HTTP/1.1\r\n${H}X-\x01: a\r\n\r\n`, 400, ErrorCodes.MALFORMED_REQUEST],
  ['parser error: bad chunk size', `POST http://news.example/ HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 400, ErrorCodes.AMBIGUOUS_FRAMING],
  [
    'parser error: Content-Length and Transfer-Encoding',
    `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    400,
    ErrorCodes.AMBIGUOUS_FRAMING,
  ],
  ['CONNECT to a port that is not allowed', 'CONNECT news.example:80 HTTP/1.1\r\nHost: news.example:80\r\n\r\n', 403, ErrorCodes.CONNECT_PORT_REFUSED],
  ['CONNECT without a port', 'CONNECT news.example HTTP/1.1\r\nHost: news.example\r\n\r\n', 400, ErrorCodes.BAD_REQUEST_TARGET],
  [
    'upgrade with ambiguous framing',
    `GET http://news.example/ HTTP/1.1\r\n${H}Host: b.example\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n`,
    400,
    ErrorCodes.AMBIGUOUS_FRAMING,
  ],
  ['upgrade to an https target', `GET https://news.example/ HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`, 400, ErrorCodes.BAD_REQUEST_TARGET],
  ['upgrade that loops', `GET http://news.example/ HTTP/1.1\r\n${H}Via: 1.1 hedge\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n`, 508, ErrorCodes.LOOP_DETECTED],
  [
    'upgrade with too many header fields',
    `GET http://news.example/ HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n${many(200)}\r\n`,
    431,
    ErrorCodes.TOO_MANY_HEADERS,
  ],
];

for (const [name, bytes, status, code] of cases) {
  test(`${name}: ${status} with ${code}, connection closed`, async () => {
    const r = await rawExchange(lab.gw.proxyAddress.port, bytes);
    assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${status} `), r.text.slice(0, 100));
    assert.match(r.text, new RegExp(`\\r\\nx-hedge-error: ${code}\\r\\n`, 'i'), r.text.slice(0, 300));
    assert.ok(r.closed, 'connection closed');
  });
}

test('an upstream failure is coded by its cause: DNS, TLS, timeout, refused, reset', () => {
  const code = (errCode: string) => upstreamFailure(classify(Object.assign(new Error(errCode), { code: errCode })).kind).code;
  assert.equal(code('ENOTFOUND'), ErrorCodes.UPSTREAM_DNS);
  assert.equal(code('EAI_AGAIN'), ErrorCodes.UPSTREAM_DNS);
  assert.equal(code('CERT_HAS_EXPIRED'), ErrorCodes.UPSTREAM_TLS);
  assert.equal(code('UND_ERR_CONNECT_TIMEOUT'), ErrorCodes.UPSTREAM_TIMEOUT);
  assert.equal(code('ECONNREFUSED'), ErrorCodes.UPSTREAM_UNREACHABLE);
  assert.equal(code('ECONNRESET'), ErrorCodes.UPSTREAM_RESET);
});

test('a refused upstream connection answers 502 HEDGE_ERR_UPSTREAM_UNREACHABLE end to end', async () => {
  // A port nothing listens on: bind one, note it, close it.
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const gw = await startLab({ edit: (y) => y.replace('  resolve:\n', `  resolve:\n    gone.example.net: 127.0.0.1:${port}\n`) });
  try {
    const r = await rawExchange(gw.gw.proxyAddress.port, 'GET http://gone.example.net/ HTTP/1.1\r\nHost: gone.example.net\r\nConnection: close\r\n\r\n');
    assert.match(r.text, /^HTTP\/1\.1 502 /);
    assert.match(r.text, /x-hedge-error: HEDGE_ERR_UPSTREAM_UNREACHABLE/i);
    const up = await rawExchange(gw.gw.proxyAddress.port, 'GET http://gone.example.net/ HTTP/1.1\r\nHost: gone.example.net\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.match(up.text, /^HTTP\/1\.1 502 /, 'the upgrade path reports the same failure');
    assert.match(up.text, /x-hedge-error: HEDGE_ERR_UPSTREAM_UNREACHABLE/i);
  } finally {
    await gw.close();
  }
});

test('every refusal above was counted as a malformed request where the request was at fault', async () => {
  const text = await lab.gw.metrics.text();
  for (const reason of ['too_many_headers', 'header_overflow', 'invalid_header_token'])
    assert.match(text, new RegExp(`hedge_malformed_requests_total\\{reason="${reason}"\\} [1-9]`), reason);
});
