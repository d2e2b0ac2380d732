// Issue "The enriching proxy": tunnels, upgrades, upstream failures, limits,
// hop-by-hop handling, streaming and graceful drain — each over real sockets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { startLab, viaProxy, rawExchange, type Lab } from '../helpers/gateway.js';

let lab: Lab;
let tcpEcho: net.Server;
let wsOrigin: http.Server;
let silent: net.Server;
before(async () => {
  // A TCP echo server stands in for a TLS origin behind CONNECT: bytes must come back unchanged.
  tcpEcho = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => tcpEcho.listen(0, '127.0.0.1', r));
  // A minimal RFC 6455 origin: completes the handshake and echoes frames back.
  wsOrigin = http.createServer((_q, s) => s.end('not a websocket'));
  wsOrigin.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'] as string;
    const accept = createHash('sha1')
      .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    const seen = JSON.stringify(req.headers);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Seen-Headers: ${Buffer.from(seen).toString('base64')}\r\n\r\n`,
    );
    socket.pipe(socket);
  });
  await new Promise<void>((r) => wsOrigin.listen(0, '127.0.0.1', r));
  // An origin that accepts and never answers, for the timeout case.
  silent = net.createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
  lab = await startLab({
    connectPorts: [],
    edit: (y) =>
      y
        .replace(
          'resolve:\n',
          `resolve:\n    "tunnel.test": 127.0.0.1:${port(tcpEcho)}\n    "ws.test": 127.0.0.1:${port(wsOrigin)}\n    "down.test": 127.0.0.1:1\n    "slow.test": 127.0.0.1:${port(silent)}\n`,
        )
        .replace('  resolve:', '  limits: { upstreamHeadersTimeoutMs: 400, maxHeaders: 40, maxHeaderBytes: 4096 }\n  resolve:'),
  });
});
after(async () => {
  await lab.close();
  tcpEcho.close();
  wsOrigin.close();
  silent.close();
});

test('CONNECT relays bytes unchanged both ways and is counted', async () => {
  const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
  const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
  const got: Buffer[] = [];
  let head = '';
  await new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    s.write('CONNECT tunnel.test:443 HTTP/1.1\r\nHost: tunnel.test:443\r\n\r\n');
    s.on('data', function onData(c: Buffer) {
      if (!head.includes('\r\n\r\n')) {
        head += c.toString('latin1');
        const i = head.indexOf('\r\n\r\n');
        if (i === -1) return;
        assert.match(head, /^HTTP\/1\.1 200 /);
        const rest = Buffer.from(head.slice(i + 4), 'latin1');
        if (rest.length) got.push(rest);
        s.write(payload);
      } else got.push(c);
      if (Buffer.concat(got).length >= payload.length) resolve();
    });
  });
  s.destroy();
  assert.ok(Buffer.concat(got).equals(payload), 'echoed bytes identical');
  assert.match(await lab.gw.metrics.text(), /hedge_tunnels_total\{kind="connect",outcome="opened"\} [1-9]/);
});

test('CONNECT to an unreachable origin answers 502 and the gateway keeps serving', async () => {
  const r = await rawExchange(lab.gw.proxyAddress.port, 'CONNECT down.test:443 HTTP/1.1\r\nHost: down.test:443\r\n\r\n');
  assert.match(r.text, /^HTTP\/1\.1 502 /);
  assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://news.example/')).status, 200);
});

test('WebSocket upgrade passes through; spoofed identity stripped, nothing enriched', async () => {
  const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
  const key = Buffer.from('0123456789abcdef').toString('base64');
  s.write(
    `GET http://ws.test/chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nX-MSISDN: +447700900999\r\n\r\n`,
  );
  let buf = Buffer.alloc(0);
  const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, ...Buffer.from('hello').map((b, i) => b ^ [1, 2, 3, 4][i % 4]!)]);
  await new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    let sent = false;
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const i = buf.indexOf('\r\n\r\n');
      if (i !== -1 && !sent) {
        sent = true;
        s.write(frame);
      }
      if (i !== -1 && buf.length >= i + 4 + frame.length) resolve();
    });
  });
  s.destroy();
  const text = buf.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 101 /);
  const expected = createHash('sha1')
    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  assert.ok(text.includes(`Sec-WebSocket-Accept: ${expected}`));
  const seen = JSON.parse(Buffer.from(/X-Seen-Headers: (\S+)/.exec(text)![1]!, 'base64').toString()) as Record<string, string>;
  assert.equal(seen['x-msisdn'], undefined, 'spoofed identity removed');
  assert.equal(seen.upgrade, 'websocket');
  const i = buf.indexOf('\r\n\r\n');
  assert.ok(buf.subarray(i + 4, i + 4 + frame.length).equals(frame), 'frame bytes relayed unchanged');
});

test('upstream refused → 502 quickly, with a short plain body', async () => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://down.test/');
  assert.equal(r.status, 502);
  assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_UPSTREAM_UNREACHABLE');
  assert.ok(r.body.length < 100);
});

test('upstream silent → 504 after the configured timeout; the gateway keeps serving', async () => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://slow.test/');
  assert.equal(r.status, 504);
  assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_UPSTREAM_TIMEOUT');
  assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).json().headers['x-msisdn'], '+447700900123');
  const m = await lab.gw.metrics.text();
  assert.match(m, /hedge_upstream_errors_total\{kind="timeout"\} [1-9]/);
  assert.match(m, /hedge_upstream_errors_total\{kind="refused"\} [1-9]/);
});

test('hop-by-hop headers are not forwarded; Via is added; no X-Forwarded-For', async () => {
  const e = (
    await viaProxy(lab.gw.proxyAddress, 'http://news.example/', {
      headers: {
        Connection: 'keep-alive, X-Hop',
        'X-Hop': '1',
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
        'Proxy-Authorization': 'Basic eA==',
        'Proxy-Connection': 'keep-alive',
        'X-End': 'kept',
      },
    })
  ).json();
  for (const h of ['x-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'x-forwarded-for', 'forwarded']) assert.equal(e.headers[h], undefined, h);
  assert.equal(e.headers['x-end'], 'kept');
  assert.equal(e.headers.via, '1.1 hedge');
});

test('a request that already carries our Via token is refused as a loop', async () => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { headers: { Via: '1.1 hedge' } });
  assert.equal(r.status, 508);
});

test('too many header fields → 431, not silently truncated', async () => {
  const headers: [string, string][] = Array.from({ length: 45 }, (_, i) => [`X-H${i}`, 'v']);
  const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { headers });
  assert.equal(r.status, 431);
});

test('an oversized request head → 431', async () => {
  const r = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 431 /);
});

test('origin-form requests to a forward proxy are refused with a helpful message', async () => {
  const r = await rawExchange(lab.gw.proxyAddress.port, 'GET / HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n');
  assert.match(r.text, /^HTTP\/1\.1 400 /);
  assert.match(r.text, /absolute URL/);
});

test('userinfo in the target is refused', async () => {
  const r = await rawExchange(lab.gw.proxyAddress.port, 'GET http://user@news.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n');
  assert.match(r.text, /^HTTP\/1\.1 400 /);
});

test('keep-alive: several requests on one client connection, bodies streamed both ways', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<net.Socket>();
  const body = Buffer.alloc(3 * 1024 * 1024, 7);
  for (let i = 0; i < 3; i++) {
    const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: lab.gw.proxyAddress.port,
        method: 'POST',
        path: 'http://news.example/upload',
        agent,
        headers: { 'content-length': body.length },
      });
      req.on('socket', (s) => sockets.add(s));
      req.on('response', (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode!, text: t }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.text) as { bodyBytes: number }).bodyBytes, body.length);
  }
  agent.destroy();
  assert.equal(sockets.size, 1, 'one client connection reused');
});
