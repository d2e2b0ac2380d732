// Threat: a request smuggled behind a declined upgrade. The client sends an
// upgrade handshake and, in the same bytes, a second request carrying its own
// X-MSISDN and a forged signature. If the gateway relayed raw bytes before the
// origin agreed to switch protocols, an origin that declines (answers 200, as
// any server without WebSocket support does) would parse the second request
// as a new one that never went through the pipeline: a spoofed identity with
// a signature header the partner might trust. Nothing after the handshake may
// reach the origin unless it answered 101.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type http from 'node:http';
import { once } from 'node:events';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';

let lab: Lab;
const seen: http.IncomingMessage[] = [];
before(async () => {
  lab = await startLab();
  lab.origin.server.on('request', (req: http.IncomingMessage) => seen.push(req));
});
after(() => lab.close());

const PARTNER = 'my.operator.example';
const handshake = (host: string) =>
  `GET http://${host}/chat HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
const smuggled = (host: string) => `GET /smuggled HTTP/1.1\r\nHost: ${host}\r\nX-MSISDN: +447700900666\r\nX-Hedge-Signature: sig1=:Zm9yZ2Vk:\r\n\r\n`;

function assertNothingSmuggled(): void {
  assert.ok(seen.length >= 1, 'the handshake itself reached the origin');
  for (const req of seen) {
    assert.notEqual(req.url, '/smuggled', 'the request behind the handshake never reached the origin');
    assert.notEqual(req.headers['x-msisdn'], '+447700900666', 'the client-supplied number never reached the origin');
    assert.notEqual(req.headers['x-hedge-signature'], 'sig1=:Zm9yZ2Vk:', 'the forged signature never reached the origin');
  }
}

test('a request in the same bytes as a declined upgrade never reaches the origin', async () => {
  seen.length = 0;
  const r = await rawExchange(lab.gw.proxyAddress.port, handshake(PARTNER) + smuggled(PARTNER));
  assertNothingSmuggled();
  assert.match(r.text, /^HTTP\/1\.1 200 /, 'the origin’s refusal is relayed as an ordinary response');
  assert.equal((r.text.match(/^HTTP\/1\.1 /gm) ?? []).length, 1, 'exactly one response: the smuggled request got none');
  assert.ok(r.closed, 'the connection is closed after a declined upgrade');
  assert.equal(seen.length, 1);
});

test('bytes the client sends after the handshake wait for the origin’s answer and are dropped when it declines', async () => {
  seen.length = 0;
  const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
  s.on('error', () => undefined);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  await once(s, 'connect');
  const arrived = once(lab.origin.server, 'request');
  s.write(handshake(PARTNER));
  await arrived;
  s.write(smuggled(PARTNER));
  const t = setTimeout(() => s.destroy(), 5000);
  await once(s, 'close');
  clearTimeout(t);
  const text = Buffer.concat(chunks).toString('latin1');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assertNothingSmuggled();
});

test('an accepted upgrade still relays both ways after the 101', async () => {
  const ws = await import('node:http');
  const origin = ws.createServer();
  origin.on('upgrade', (_req, socket: net.Socket, head: Buffer) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    if (head.length) socket.write(head);
    socket.on('data', (c: Buffer) => socket.write(c));
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  const port = (origin.address() as net.AddressInfo).port;
  const gw = await startLab({ edit: (y) => y.replace('  resolve:\n', `  resolve:\n    echo.example.net: 127.0.0.1:${port}\n`) });
  try {
    const s = net.connect({ host: '127.0.0.1', port: gw.gw.proxyAddress.port });
    s.on('error', () => undefined);
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    // Early data in the same bytes as the handshake is held, then delivered after the 101.
    s.write(`GET http://echo.example.net/ HTTP/1.1\r\nHost: echo.example.net\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly;`);
    const until = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`never got ${re}; got ${JSON.stringify(got)}`)), 5000);
        const check = () => (re.test(got) ? (clearTimeout(t), s.off('data', check), resolve()) : undefined);
        s.on('data', check);
        check();
      });
    await until(/^HTTP\/1\.1 101 [\s\S]*\r\n\r\nearly;/);
    s.write('late');
    await until(/early;late$/);
    s.destroy();
  } finally {
    await gw.close();
    origin.closeAllConnections();
    origin.close();
  }
});

test('the gateway keeps serving', async () => {
  const ok = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n`);
  assert.match(ok.text, /^HTTP\/1\.1 200 /);
});
