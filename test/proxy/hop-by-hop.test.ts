// The hop-by-hop filters (RFC 9110 §7.6.1) on both directions: what a proxy
// must not forward is dropped whatever its case, so are the names a Connection
// header lists, everything else passes in order and byte for byte, bytes
// above 0x7f included (latin1, as Node's own parser reads them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { endToEndHeaders, endToEndResponseHeaders } from '../../src/proxy/hop-by-hop.js';

const RESPONSE: [string, string][] = [
  ['Server', 'origin/1.0'],
  ['Connection', 'keep-alive, X-Private'],
  ['Content-Type', 'text/plain; charset=iso-8859-1'],
  ['X-Private', 'connection-only'],
  ['Keep-Alive', 'timeout=5'],
  ['X-Caf\u00e9', 'cr\u00e8me br\u00fbl\u00e9e \u00ff'],
  ['TRANSFER-ENCODING', 'chunked'],
  ['Date', 'Sun, 29 Nov 2026 00:35:34 GMT'],
  ['Host', 'not.forwarded'],
  ['Content-Length', '0'],
];
const EXPECTED = [
  'Server',
  'origin/1.0',
  'Content-Type',
  'text/plain; charset=iso-8859-1',
  'X-Caf\u00e9',
  'cr\u00e8me br\u00fbl\u00e9e \u00ff',
  'Date',
  'Sun, 29 Nov 2026 00:35:34 GMT',
  'Content-Length',
  '0',
];

/** The headers as views into one chunk, the way undici hands them over. */
function viewsIntoOneChunk(headers: [string, string][]): Buffer[] {
  const head = `HTTP/1.1 200 OK\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  const chunk = Buffer.from(head, 'latin1');
  const views: Buffer[] = [];
  let at = head.indexOf('\r\n') + 2;
  for (const [n, v] of headers) {
    views.push(chunk.subarray(at, at + n.length));
    at += n.length + 2;
    views.push(chunk.subarray(at, at + v.length));
    at += v.length + 2;
  }
  return views;
}

test('request headers: hop-by-hop names in any case and the names Connection lists are dropped, the rest kept in order', () => {
  const raw = [
    'Host',
    'a.example',
    'connection',
    'close, X-Private-Trace',
    'X-Private-Trace',
    '1',
    'Proxy-Authorization',
    'Basic x',
    'TE',
    'trailers',
    'Accept',
    '*/*',
    'x-private-trace',
    '2',
    'Expect',
    '100-continue',
    'User-Agent',
    'ua',
  ];
  assert.deepEqual(endToEndHeaders(raw), ['Accept', '*/*', 'User-Agent', 'ua']);
  assert.deepEqual(endToEndHeaders(['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Accept', '*/*'], new Set(['connection', 'upgrade'])), [
    'Upgrade',
    'websocket',
    'Connection',
    'Upgrade',
    'Accept',
    '*/*',
  ]);
  assert.deepEqual(endToEndHeaders(['Server', 's', 'Date', 'd', 'Keep-Alive', 'timeout=5', 'Trailer', 'x']), ['Server', 's', 'Date', 'd']);
  // A browser's "Connection: keep-alive" lists nothing more; a second Connection header is still read.
  assert.deepEqual(endToEndHeaders(['Connection', ' Keep-Alive', 'X-A', '1', 'connection', 'x-a', 'X-B', '2']), ['X-B', '2']);
  assert.deepEqual(endToEndHeaders(['Connection', 'keep-alive', 'X-A', '1']), ['X-A', '1']);
  assert.deepEqual(endToEndHeaders(['Connection', 'keep-alive, X-A', 'X-A', '1', 'X-B', '2']), ['X-B', '2']);
});

test('response headers: views into one chunk (as undici hands them over), separate Buffers and strings give the same result', () => {
  const views = viewsIntoOneChunk(RESPONSE);
  assert.deepEqual(endToEndResponseHeaders(views), EXPECTED);
  assert.deepEqual(endToEndResponseHeaders(RESPONSE.flat().map((s) => Buffer.from(s, 'latin1'))), EXPECTED);
  assert.deepEqual(endToEndResponseHeaders(RESPONSE.flat()), EXPECTED);
  assert.deepEqual(endToEndResponseHeaders([]), []);
  // A Connection that says only keep-alive (most origins) lists nothing more; with more, the names it lists go.
  assert.deepEqual(endToEndResponseHeaders(['Connection', ' Keep-Alive ', 'Keep-Alive', 'timeout=5', 'X-A', '1']), ['X-A', '1']);
  assert.deepEqual(endToEndResponseHeaders(['Connection', 'keep-alive,x-a', 'X-A', '1', 'X-B', '2']), ['X-B', '2']);
});

test('response headers from a real origin through undici: filtered, byte for byte as sent', async () => {
  // Raw bytes on the wire, a value with bytes above 0x7f (obs-text) among them.
  const origin = net.createServer((socket) => {
    socket.once('data', () =>
      socket.end(
        Buffer.from(
          'HTTP/1.1 200 OK\r\nServer: origin/1.0\r\nX-Menu: cr\u00e8me \u00ff\r\nConnection: keep-alive, X-Private\r\nX-Private: dropped\r\nContent-Length: 2\r\n\r\nok',
          'latin1',
        ),
      ),
    );
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const agent = new Agent();
  try {
    const raw = await new Promise<Buffer[]>((resolve, reject) => {
      let got: Buffer[] = [];
      const handler = {
        onConnect() {},
        onHeaders(_status: number, headers: Buffer[]) {
          got = headers;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          resolve(got);
        },
        onError: reject,
      };
      agent.dispatch({ origin: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`, path: '/', method: 'GET' }, handler as unknown as Dispatcher.DispatchHandler);
    });
    const filtered = endToEndResponseHeaders(raw);
    assert.deepEqual(filtered, endToEndResponseHeaders(raw.map((b) => Buffer.from(b))));
    assert.deepEqual(filtered, ['Server', 'origin/1.0', 'X-Menu', 'cr\u00e8me \u00ff', 'Content-Length', '2']);
  } finally {
    await agent.close();
    await new Promise((r) => origin.close(r));
  }
});
