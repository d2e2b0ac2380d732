// Threat: a pipelined valid request followed by a malformed one. The origin
// executed the first, but the parser's 400 for the second was written at once
// and the connection closed: the client never got the first answer and may
// retry it (a second purchase, a second vote). Answers must come back in
// order — the first response, then the 400 — and nothing after a refusal
// that closes the connection may be executed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';

let lab: Lab;
let held: http.Server;
const releases: (() => void)[] = [];
let onHold: () => void = () => undefined;
const heldSeen: string[] = [];
const echoSeen: string[] = [];

before(async () => {
  // An origin that holds /hold until the test releases it: the first answer is still in flight when the 400 is due.
  held = http.createServer((req, res) => {
    heldSeen.push(req.url ?? '');
    req.resume();
    const answer = () => res.end(`held ${req.url}\n`);
    if (req.url === '/hold') {
      releases.push(answer);
      onHold();
    } else answer();
  });
  held.listen(0, '127.0.0.1');
  await once(held, 'listening');
  const port = (held.address() as AddressInfo).port;
  lab = await startLab({ edit: (y) => y.replace('  resolve:\n', `  resolve:\n    held.example.net: 127.0.0.1:${port}\n`) });
  lab.origin.server.on('request', (req: http.IncomingMessage) => echoSeen.push(req.url ?? ''));
});
after(async () => {
  await lab.close();
  held.closeAllConnections();
  held.close();
});

const H = 'Host: news.example\r\n';
const statuses = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));

test('valid then malformed (parser error): the first answer, then the 400, then close', async () => {
  echoSeen.length = 0;
  const r = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/first HTTP/1.1\r\n${H}\r\nGET http://news.example/second HTTP/1.1\r\n${H}X-\x01: a\r\n\r\n`);
  assert.deepEqual(statuses(r.text), [200, 400], r.text.slice(0, 200));
  assert.match(r.text, /"path": "\/first"/, 'the first answer is the origin’s');
  assert.ok(r.closed);
  assert.deepEqual(echoSeen, ['/first']);
});

test('valid (still in flight at the origin) then malformed: the 400 waits for the first answer', async () => {
  heldSeen.length = 0;
  const refused = once(lab.gw.ingress.server, 'clientError');
  const arrived = new Promise<void>((r) => (onHold = r));
  const done = rawExchange(
    lab.gw.proxyAddress.port,
    `GET http://held.example.net/hold HTTP/1.1\r\nHost: held.example.net\r\n\r\nGET http://held.example.net/x HTTP/1.1\r\nHost: held.example.net\r\nX-\x01: a\r\n\r\n`,
    8000,
  );
  // The gateway has refused the second request; now let the origin answer the first.
  await Promise.all([refused, arrived]);
  releases.shift()!();
  const r = await done;
  assert.deepEqual(statuses(r.text), [200, 400], r.text.slice(0, 200));
  assert.match(r.text, /held \/hold/);
  assert.ok(r.closed);
  assert.deepEqual(heldSeen, ['/hold']);
});

test('valid then ambiguous framing (refused by the gateway): the first answer, then the 400', async () => {
  echoSeen.length = 0;
  const r = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/first HTTP/1.1\r\n${H}\r\nGET http://news.example/second HTTP/1.1\r\n${H}Host: b.example\r\n\r\n`);
  assert.deepEqual(statuses(r.text), [200, 400], r.text.slice(0, 200));
  assert.ok(r.closed);
  assert.deepEqual(echoSeen, ['/first']);
});

test('nothing after a refusal that closes the connection is executed', async () => {
  echoSeen.length = 0;
  const r = await rawExchange(
    lab.gw.proxyAddress.port,
    `GET http://news.example/refused HTTP/1.1\r\n${H}Host: b.example\r\n\r\nGET http://news.example/after HTTP/1.1\r\n${H}\r\nPOST http://news.example/after2 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nab`,
  );
  assert.deepEqual(statuses(r.text), [400], r.text.slice(0, 300));
  assert.ok(r.closed);
  assert.deepEqual(echoSeen, [], 'the requests after the refused one never reached the origin');
});

test('three valid pipelined requests still answer in order on one connection', async () => {
  echoSeen.length = 0;
  const r = await rawExchange(
    lab.gw.proxyAddress.port,
    `GET http://news.example/1 HTTP/1.1\r\n${H}\r\nGET http://news.example/2 HTTP/1.1\r\n${H}\r\nGET http://news.example/3 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
  );
  assert.deepEqual(statuses(r.text), [200, 200, 200]);
  assert.deepEqual(
    [...r.text.matchAll(/"path": "(\/\d)"/g)].map((m) => m[1]),
    ['/1', '/2', '/3'],
  );
});

test('a client that half-closes after its requests still gets every answer', async () => {
  echoSeen.length = 0;
  const net = await import('node:net');
  const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
  s.on('error', () => undefined);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  await once(s, 'connect');
  s.end(`GET http://news.example/1 HTTP/1.1\r\n${H}\r\nPOST http://news.example/2 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nab`);
  const t = setTimeout(() => s.destroy(), 5000);
  await once(s, 'close');
  clearTimeout(t);
  const text = Buffer.concat(chunks).toString('latin1');
  assert.deepEqual(statuses(text), [200, 200], text.slice(0, 200));
  assert.deepEqual(echoSeen, ['/1', '/2']);
});

// Node hands the socket over for a CONNECT or an upgrade at once, while an earlier pipelined answer is still
// due: that answer was written after the tunnel's "200" (into the tunnel) or the "101", or read as the
// upgrade's own answer. Now refused, after the earlier answer, and the connection closed; the upgrade never
// reaches the origin.
for (const [kind, second] of [
  ['an upgrade', `GET http://held.example.net/ws HTTP/1.1\r\nHost: held.example.net\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`],
  ['a CONNECT', `CONNECT held.example.net:443 HTTP/1.1\r\nHost: held.example.net:443\r\n\r\n`],
] as const) {
  test(`valid (still in flight at the origin) then ${kind}: the first answer, then a 400, then close`, async () => {
    heldSeen.length = 0;
    const arrived = new Promise<void>((r) => (onHold = r));
    const done = rawExchange(lab.gw.proxyAddress.port, `GET http://held.example.net/hold HTTP/1.1\r\nHost: held.example.net\r\n\r\n${second}`, 8000);
    await arrived;
    await new Promise((r) => setTimeout(r, 100)); // the second request has been handed over by now
    releases.shift()!();
    const r = await done;
    assert.deepEqual(statuses(r.text), [200, 400], r.text.slice(0, 300));
    assert.match(r.text, /held \/hold\n/);
    assert.match(r.text, /x-hedge-error: HEDGE_ERR_MALFORMED_REQUEST/i);
    assert.ok(r.closed);
    assert.deepEqual(heldSeen, ['/hold'], 'the upgrade never reached the origin');
  });
}
