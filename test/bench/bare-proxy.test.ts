// The bare proxies the floor rows measure hedge against (bench/tools/bare-proxy.mjs
// and its raw-socket parts, net-http1.mjs): in each of the four builds a
// request reaches the origin without its hop-by-hop headers, the answer comes
// back whole, several times on one keep-alive connection, and an answer the
// raw-socket client cannot frame ends the exchange instead of hanging it. A
// floor that forwarded less than hedge would flatter the runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const tool = join(import.meta.dirname, '..', '..', 'bench', 'tools', 'bare-proxy.mjs');
const BODY = 'x'.repeat(1024);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Sends the raw requests one after the other on one connection; resolves with everything read until `responses` answers ended or the socket closed. */
function exchange(port: number, requests: string[], responses: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let sent = 0;
    const t = setTimeout(() => (s.destroy(), reject(new Error(`no answer; read so far: ${JSON.stringify(text.slice(0, 200))}`))), 5000);
    const next = () => (sent < requests.length ? s.write(requests[sent++]!) : undefined);
    s.on('connect', next);
    s.on('data', (d) => {
      text += d.toString('latin1');
      const done = text.split('HTTP/1.1 ').length - 1;
      if (text.endsWith(BODY) || text.endsWith('\r\n\r\n')) {
        if (done >= responses) {
          clearTimeout(t);
          s.destroy();
          resolve({ text, closed: false });
        } else next();
      }
    });
    s.on('close', () => (clearTimeout(t), resolve({ text, closed: true })));
    s.on('error', () => {});
  });
}

for (const [server, client] of [
  ['http', 'undici'],
  ['http', 'net'],
  ['net', 'undici'],
  ['net', 'net'],
] as const) {
  test(`bare proxy --server ${server} --client ${client}: forwards without hop-by-hop headers, keeps the connection, ends what it cannot frame`, async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const origin = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/chunked') {
        res.write('part');
        return res.end();
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain', 'content-length': BODY.length, 'x-origin': 'yes' });
      res.end(BODY);
    });
    origin.keepAliveTimeout = 60_000; // an exchange left hanging must stay hung, not end when the origin drops the connection
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const port = await freePort();
    let proxy: ChildProcess | undefined;
    try {
      proxy = spawn(process.execPath, [tool, String((origin.address() as AddressInfo).port), String(port), '--server', server, '--client', client], { stdio: 'ignore' });
      await waitPort(port);
      const get = (path: string) => `GET http://news.example${path} HTTP/1.1\r\nHost: news.example\r\nKeep-Alive: timeout=5\r\nX-Client: 1\r\n\r\n`;
      const r = await exchange(port, [get('/'), get('/missing'), get('/')], 3);
      assert.equal(r.closed, false, 'the keep-alive connection stays open');
      const answers = r.text.split(/(?=HTTP\/1\.1 )/);
      assert.deepEqual(
        answers.map((a) => a.slice(9, 12)),
        ['200', '404', '200'],
      );
      for (const a of answers) {
        assert.ok(a.endsWith(BODY), 'the whole body');
        assert.match(a, /\r\nx-origin: yes\r\n/i);
      }
      assert.equal(seen.length, 3);
      for (const h of seen) {
        assert.equal(h.host, 'news.example');
        assert.equal(h['x-client'], '1');
        assert.equal(h['keep-alive'], undefined, 'hop-by-hop header dropped');
      }
      if (client === 'net') {
        // No Content-Length: the raw-socket client does not read it, and says so by ending the exchange.
        const c = await exchange(port, [get('/chunked')], 1);
        assert.ok(c.closed || /^HTTP\/1\.1 502/.test(c.text), `ended, not hung: ${JSON.stringify(c.text.slice(0, 80))}`);
      }
    } finally {
      proxy?.kill('SIGTERM');
      origin.closeAllConnections();
      await new Promise((r) => origin.close(r));
    }
  });
}
