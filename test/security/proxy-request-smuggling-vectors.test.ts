// Threat: request smuggling and desync through the proxy, checked on the wire.
// Each vector is written as raw bytes over a socket; a recording upstream on
// loopback (in front of the demo's echo origin) keeps every byte the gateway
// sends to any *.example origin. A vector is either refused — 400, the
// connection closed, not one byte at the upstream — or benign, and then the
// upstream received exactly the well-formed requests the gateway framed itself
// (one Content-Length or one chunked body, CRLF only, nothing of the client's
// framing, no identity header but the gateway's). The recording upstream also
// plays an origin that accepts an h2c upgrade (as Apache mod_http2, Tomcat,
// Jetty or Go's h2c handler do): relaying that handshake would hand the client
// a raw HTTP/2 connection to the partner, past the strip stage.
//
// Also covered elsewhere, and not repeated here: the smuggler.py corpus
// (smuggler-corpus.test.ts), framing-header look-alikes in every spelling
// (framing-header-lookalikes.test.ts), request-line versions
// (request-line-versions.test.ts), CONNECT and upgrades to loopback and the
// gateway's own listeners in every spelling (proxy-to-loopback-and-own-admin),
// a declined upgrade's smuggled bytes (declined-upgrade-smuggle.test.ts),
// pipelined answers after a refusal (pipelined-response-order.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';
import { parseOriginForm } from '../../src/shared/request-target.js';

/** Every byte the gateway sent to an origin, in arrival order (pooled connections are reused across tests). */
const wire: Buffer[] = [];
const wireText = () => Buffer.concat(wire).toString('latin1');
let originPort = 0;

/**
 * The recording upstream: records what each connection carries, then relays
 * it to the echo origin; a connection whose first request asks for h2c gets a
 * 101 at once, as an h2c-capable origin would answer, and is only recorded.
 */
const recorder = net.createServer((c) => {
  const seen: Buffer[] = [];
  c.on('error', () => undefined);
  let echo: net.Socket | undefined;
  let switched = false;
  c.on('data', (d: Buffer) => {
    wire.push(d);
    seen.push(d);
    if (echo || switched) return void echo?.write(d);
    if (/\r\nupgrade:[ \t]*h2c/i.test(Buffer.concat(seen).toString('latin1'))) {
      switched = true;
      c.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
      return;
    }
    echo = net.connect({ host: '127.0.0.1', port: originPort });
    echo.on('error', () => c.destroy());
    echo.pipe(c);
    echo.once('close', () => c.destroy());
    c.once('close', () => echo?.destroy());
    echo.write(d);
  });
});

let lab: Lab;
before(async () => {
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  const port = (recorder.address() as net.AddressInfo).port;
  lab = await startLab({ edit: (y) => y.replace(/"\*\.example": 127\.0\.0\.1:\d+/, `"*.example": 127.0.0.1:${port}`) });
  originPort = lab.origin.address.port;
});
after(async () => {
  await lab.close();
  recorder.close();
});

interface WireRequest {
  line: string;
  headers: [string, string][];
  body: string;
}

/** Parses what the gateway sent, strictly: CRLF only, one framing header at most, chunked bodies decoded. */
function parseWire(text: string): WireRequest[] {
  const out: WireRequest[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    assert.ok(end > 0, `a complete head: ${JSON.stringify(rest.slice(0, 120))}`);
    const [line, ...lines] = rest.slice(0, end).split('\r\n');
    assert.match(line!, /^[A-Z]+ \/\S* HTTP\/1\.1$/, 'an origin-form request line with single spaces');
    const headers = lines.map((l): [string, string] => {
      assert.doesNotMatch(l, /[\r\n\0]/);
      const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(l);
      assert.ok(m, `a well-formed header line: ${JSON.stringify(l)}`);
      return [m[1]!.toLowerCase(), m[2]!];
    });
    rest = rest.slice(end + 4);
    const cl = headers.filter(([n]) => n === 'content-length');
    const te = headers.filter(([n]) => n === 'transfer-encoding');
    assert.ok(cl.length + te.length <= 1, 'at most one framing header');
    let body = '';
    if (cl.length === 1) {
      assert.match(cl[0]![1], /^(0|[1-9]\d*)$/, 'a canonical Content-Length');
      body = rest.slice(0, Number(cl[0]![1]));
      rest = rest.slice(body.length);
    } else if (te.length === 1) {
      assert.equal(te[0]![1], 'chunked');
      for (;;) {
        const eol = rest.indexOf('\r\n');
        const size = rest.slice(0, eol);
        assert.match(size, /^[0-9a-f]+$/i, 'a bare chunk size, no extension');
        const n = parseInt(size, 16);
        rest = rest.slice(eol + 2);
        if (n === 0) {
          assert.ok(rest.startsWith('\r\n'), 'no trailer section');
          rest = rest.slice(2);
          break;
        }
        body += rest.slice(0, n);
        rest = rest.slice(n + 2);
      }
    }
    out.push({ line: line!, headers, body });
  }
  return out;
}

const named = (r: WireRequest, name: string) => r.headers.filter(([n]) => n === name).map(([, v]) => v);

/** Sends the bytes and returns the gateway's answer and what the upstream got for them. */
async function send(bytes: string, timeoutMs = 3000): Promise<{ text: string; closed: boolean; upstream: string }> {
  wire.length = 0;
  const r = await rawExchange(lab.gw.proxyAddress.port, bytes, timeoutMs);
  await new Promise((res) => setTimeout(res, 30)); // the recorder has seen whatever was sent
  return { ...r, upstream: wireText() };
}

const H = 'Host: news.example\r\n';
const POST = `POST http://news.example/ HTTP/1.1\r\n${H}`;
const GET = `GET http://news.example/ HTTP/1.1\r\n${H}`;
const CHUNKED_BODY = '5\r\nabcde\r\n0\r\n\r\n';

const REFUSED: [string, string][] = [
  ['Content-Length and Transfer-Encoding', `${POST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`],
  ['Transfer-Encoding: chunked, identity', `${POST}Transfer-Encoding: chunked, identity\r\n\r\n${CHUNKED_BODY}`],
  ['Transfer-Encoding: chunked, chunked', `${POST}Transfer-Encoding: chunked, chunked\r\n\r\n${CHUNKED_BODY}`],
  ['Transfer-Encoding: xchunked', `${POST}Transfer-Encoding: xchunked\r\n\r\n${CHUNKED_BODY}`],
  ['Transfer-Encoding with a vertical tab before chunked', `${POST}Transfer-Encoding: \x0bchunked\r\n\r\n${CHUNKED_BODY}`],
  ['space before the colon', `${POST}Transfer-Encoding : chunked\r\n\r\n${CHUNKED_BODY}`],
  ['Transfer_Encoding', `${POST}Transfer_Encoding: chunked\r\n\r\n${CHUNKED_BODY}`],
  ['Transfer-Encoding folded onto a continuation line', `${POST}Transfer-Encoding:\r\n chunked\r\n\r\n${CHUNKED_BODY}`],
  ['any header folded onto a continuation line', `${GET}X-A: a\r\n\tb\r\n\r\n`],
  ['Content-Length: +5', `${POST}Content-Length: +5\r\n\r\nabcde`],
  ['Content-Length: 0x5', `${POST}Content-Length: 0x5\r\n\r\nabcde`],
  ['Content-Length: 5, 5', `${POST}Content-Length: 5, 5\r\n\r\nabcde`],
  ['Content-Length: 5,6', `${POST}Content-Length: 5,6\r\n\r\nabcdef`],
  ['Content-Length: 5 5', `${POST}Content-Length: 5 5\r\n\r\nabcde`],
  ['Content-Length past 2^53', `${POST}Content-Length: 9007199254740993\r\n\r\nabcde`],
  ['Content-Length past 2^64', `${POST}Content-Length: 18446744073709551621\r\n\r\nabcde`],
  ['chunk size with a leading space', `${POST}Transfer-Encoding: chunked\r\n\r\n 5\r\nabcde\r\n0\r\n\r\n`],
  ['chunk size with a trailing space', `${POST}Transfer-Encoding: chunked\r\n\r\n5 \r\nabcde\r\n0\r\n\r\n`],
  ['chunk size 0x5', `${POST}Transfer-Encoding: chunked\r\n\r\n0x5\r\nabcde\r\n0\r\n\r\n`],
  ['chunk size that overflows 64 bits', `${POST}Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nabcde\r\n0\r\n\r\n`],
  ['chunk size line ended by LF alone', `${POST}Transfer-Encoding: chunked\r\n\r\n5\nabcde\r\n0\r\n\r\n`],
  ['chunk longer than its size', `${POST}Transfer-Encoding: chunked\r\n\r\n3\r\nabcde\r\n0\r\n\r\n`],
  ['LF-only line endings', `GET http://news.example/ HTTP/1.1\nHost: news.example\n\n`],
  ['one header line ended by LF alone', `${GET}X-A: b\n\r\n`],
  ['bare CR in the request line', `GET http://news.example/ HTTP/1.1\rX: y\r\n${H}\r\n`],
  ['bare CR in a header value', `${GET}X-A: b\rc\r\n\r\n`],
  ['NUL in a header value', `${GET}X-A: b\x00c\r\n\r\n`],
  ['SOH in a header value', `${GET}X-A: b\x01c\r\n\r\n`],
  ['DEL in a header value', `${GET}X-A: b\x7fc\r\n\r\n`],
  ['"(" in a header name', `${GET}X-(A): b\r\n\r\n`],
  ['"@" in a header name', `${GET}X@A: b\r\n\r\n`],
  ['space in a header name', `${GET}X A: b\r\n\r\n`],
  ['empty header name', `${GET}: b\r\n\r\n`],
  ['tab between request-line parts', `GET\thttp://news.example/ HTTP/1.1\r\n${H}\r\n`],
  ['HTTP/1.0 with Transfer-Encoding: chunked', `POST http://news.example/ HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`],
  ['HTTP/0.9-style request line', `GET http://news.example/\r\n\r\n`],
  ['Host duplicated', `GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nHost: my.operator.example\r\n\r\n`],
  ['userinfo in the absolute-form target', `GET http://news.example@my.operator.example/ HTTP/1.1\r\n${H}\r\n`],
  ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
];

for (const [name, bytes] of REFUSED)
  test(`refused with 400 and closed, nothing sent upstream: ${name}`, async () => {
    const r = await send(bytes);
    assert.match(r.text, /^HTTP\/1\.1 400 /, JSON.stringify(r.text.slice(0, 80)));
    assert.equal((r.text.match(/^HTTP\/1\.1 /gm) ?? []).length, 1, 'one answer');
    assert.ok(r.closed, 'connection closed after the refusal');
    assert.equal(r.upstream, '', 'the upstream received nothing');
  });

/** Sends the bytes (ending with Connection: close) and returns the requests the upstream received. */
async function forwarded(bytes: string, answers = 1): Promise<{ text: string; requests: WireRequest[] }> {
  const r = await send(bytes);
  assert.equal([...r.text.matchAll(/^HTTP\/1\.1 200 /gm)].length, answers, JSON.stringify(r.text.slice(0, 120)));
  return { text: r.text, requests: parseWire(r.upstream) };
}

for (const [name, te] of [
  ['a leading space', '  chunked'],
  ['a leading tab', '\tchunked'],
  ['a trailing space', 'chunked '],
  ['upper case', 'CHUNKED'],
] as const)
  test(`Transfer-Encoding with ${name} (optional whitespace, case-insensitive): one request, framed by the gateway`, async () => {
    const { requests } = await forwarded(`${POST}Transfer-Encoding:${te}\r\nConnection: close\r\n\r\n${CHUNKED_BODY}`);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.body, 'abcde');
  });

// RFC 9110 §8.6: Content-Length = 1*DIGIT, so leading zeros are valid, and
// mean the decimal value. Accepted; the origin gets the canonical number, so
// no parser behind the gateway can read "010" as octal 8.
for (const [cl, body] of [
  ['005', 'abcde'],
  ['010', '0123456789'],
] as const)
  test(`Content-Length: ${cl}: one request whose Content-Length is the canonical decimal value`, async () => {
    const { requests } = await forwarded(`${POST}Content-Length: ${cl}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(requests.length, 1);
    assert.deepEqual(named(requests[0]!, 'content-length'), [String(body.length)]);
    assert.equal(requests[0]!.body, body);
  });

test('chunk extensions (quoted, with an escaped quote) are read and never forwarded', async () => {
  const { requests } = await forwarded(`${POST}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;a=1;b="x\\";y"\r\nabcde\r\n0;c\r\n\r\n`);
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.body, 'abcde');
});

// RFC 9112 §3 lets a recipient split the request line on whitespace; the
// gateway writes its own request line, so the origin never sees the spaces.
test('two spaces in the request line: one request with a single-spaced request line', async () => {
  const { requests } = await forwarded(`GET  http://news.example/a  HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  assert.deepEqual(
    requests.map((r) => r.line),
    ['GET /a HTTP/1.1'],
  );
});

test('absolute-form wins over a Host that names a partner: forwarded to the target, Host rebuilt, not enriched', async () => {
  const { requests } = await forwarded(`GET http://news.example/ HTTP/1.1\r\nHost: my.operator.example\r\nConnection: close\r\n\r\n`);
  assert.equal(requests.length, 1);
  assert.deepEqual(named(requests[0]!, 'host'), ['news.example']);
  assert.deepEqual(named(requests[0]!, 'x-msisdn'), []);
});

test('a partner in absolute-form with another Host: enriched for the partner it is sent to, Host rebuilt', async () => {
  const { requests } = await forwarded(`GET http://my.operator.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n`);
  assert.equal(requests.length, 1);
  assert.deepEqual(named(requests[0]!, 'host'), ['my.operator.example']);
  assert.deepEqual(named(requests[0]!, 'x-msisdn'), ['+447700900123']);
});

test('a Host with userinfo: ignored by the forward proxy, and refused as a transparent-mode target', async () => {
  const { requests } = await forwarded(`GET http://news.example/ HTTP/1.1\r\nHost: a@my.operator.example\r\nConnection: close\r\n\r\n`);
  assert.deepEqual(named(requests[0]!, 'host'), ['news.example']);
  assert.deepEqual(named(requests[0]!, 'x-msisdn'), []);
  assert.ok('error' in parseOriginForm('/', 'a@my.operator.example'), 'transparent mode refuses it');
});

test('an identity header in a chunked trailer never reaches the partner; the trailer section is dropped', async () => {
  const { requests } = await forwarded(
    `POST http://my.operator.example/ HTTP/1.1\r\nHost: my.operator.example\r\nTransfer-Encoding: chunked\r\nTrailer: X-MSISDN\r\nConnection: close\r\n\r\n5\r\nabcde\r\n0\r\nX-MSISDN: +447700900999\r\nX-Age-Verified: yes\r\n\r\n`,
  );
  assert.equal(requests.length, 1);
  assert.deepEqual(named(requests[0]!, 'x-msisdn'), ['+447700900123'], 'the gateway value, once');
  assert.deepEqual(named(requests[0]!, 'trailer'), []);
  assert.equal(requests[0]!.body, 'abcde');
  assert.doesNotMatch(wireText(), /447700900999|X-Age-Verified/i);
});

test('a request pipelined after a body: exactly two requests, each framed by the gateway', async () => {
  const { requests } = await forwarded(`${POST}Content-Length: 5\r\n\r\nabcdeGET http://news.example/two HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, 2);
  assert.deepEqual(
    requests.map((r) => [r.line, r.body]),
    [
      ['POST / HTTP/1.1', 'abcde'],
      ['GET /two HTTP/1.1', ''],
    ],
  );
});

test('Expect: 100-continue is answered by the gateway and not forwarded; the body follows once', async () => {
  const { text, requests } = await forwarded(`${POST}Content-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nabcde`);
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.equal(requests.length, 1);
  assert.deepEqual(named(requests[0]!, 'expect'), []);
  assert.equal(requests[0]!.body, 'abcde');
});

test('Connection naming the enriched header: the client copy is gone, the signed gateway header still reaches the partner', async () => {
  const { requests } = await forwarded(
    `GET http://my.operator.example/ HTTP/1.1\r\nHost: my.operator.example\r\nConnection: close, X-MSISDN, Signature, Signature-Input\r\nX-MSISDN: +447700900999\r\n\r\n`,
  );
  assert.equal(requests.length, 1);
  assert.deepEqual(named(requests[0]!, 'x-msisdn'), ['+447700900123']);
  assert.equal(named(requests[0]!, 'signature').length, 1, 'the signature over it too');
  assert.match(named(requests[0]!, 'signature-input')[0] ?? '', /"x-msisdn"/);
  assert.deepEqual(named(requests[0]!, 'connection'), ['keep-alive'], "the gateway's own Connection, not the client's list");
});

// An origin that accepts h2c would switch the connection to HTTP/2 with the
// client on the other end: every request after it goes to the partner without
// passing the strip stage or the egress guard. The gateway speaks HTTP/1.x
// only: the handshake is refused, whatever the spelling.
for (const [name, bytes] of [
  ['Upgrade: h2c with HTTP2-Settings', 'Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n'],
  ['Upgrade: h2c, HTTP2-Settings named in Connection', 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n'],
  ['Upgrade: H2C', 'Connection: upgrade\r\nUpgrade: H2C\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n'],
  ['h2c listed after websocket', 'Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n'],
  ['h2c in a second Upgrade line', 'Connection: Upgrade\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n'],
  ['Upgrade: HTTP/2.0', 'Connection: Upgrade\r\nUpgrade: HTTP/2.0\r\n'],
] as const)
  test(`an upgrade to HTTP/2 is refused with 400 and closed, nothing sent to the partner: ${name}`, async () => {
    // What a client would send once switched: the HTTP/2 preface and a header block naming a spoofed number.
    const after = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x1f\x01\x05\x00\x00\x00\x01\x00\x08x-msisdn\x0d+447700900999';
    const r = await send(`GET http://wap.operator.example/ HTTP/1.1\r\nHost: wap.operator.example\r\n${bytes}\r\n${after}`);
    assert.equal(r.upstream, '', 'the partner received nothing');
    assert.match(r.text, /^HTTP\/1\.1 400 /, JSON.stringify(r.text.slice(0, 80)));
    assert.match(r.text, /X-Hedge-Error: HEDGE_ERR_HTTP_VERSION/);
    assert.ok(r.closed, 'connection closed after the refusal');
  });

test('a WebSocket upgrade is still relayed (only HTTP itself is refused as an upgrade)', async () => {
  const r = await send(`GET http://news.example/ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
  // The echo origin has no WebSocket: it declines with an ordinary answer, relayed, and the connection closed.
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.deepEqual(
    parseWire(r.upstream).map((q) => named(q, 'upgrade')),
    [['websocket']],
  );
});

test('refusals are counted by reason', async () => {
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_malformed_requests_total\{reason="h2c_upgrade"\} [1-9]/);
});
