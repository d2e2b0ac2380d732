// Threat: slow uploads (a byte every few seconds) each hold one of an origin's
// pooled upstream connections until their last byte; 257 of them exhausted
// the 256 connections per origin and every other subscriber's requests to that
// site — a partner's included — got no answer for minutes. A client gets only
// its share: a cap on its uploads in flight, a minimum body rate, and a bound
// on the wait for a pooled connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startLab, viaProxy } from '../helpers/gateway.js';

/** Opens a raw upload that sends its head and one byte of a 1000-byte body, then stalls. */
function slowUpload(proxyPort: number, localAddress: string): { socket: net.Socket; answer: Promise<string> } {
  const socket = net.connect({ host: '127.0.0.1', port: proxyPort, localAddress });
  let text = '';
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
  socket.write('POST http://news.example/upload HTTP/1.1\r\nHost: news.example\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nx');
  return { socket, answer };
}

/** Resolves when `cond` holds, checking every 20 ms, or after `ms` (returns whether it held). */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

test("300 slow uploads from one client: another client's requests to the same origin still answer within 1 s", async () => {
  const lab = await startLab(); // default limits: 256 pooled connections per origin
  let atOrigin = 0;
  lab.origin.server.on('request', (req) => req.url === '/upload' && atOrigin++);
  const uploads: ReturnType<typeof slowUpload>[] = [];
  let answered = 0;
  try {
    for (let i = 0; i < 300; i++) {
      const u = slowUpload(lab.gw.proxyAddress.port, '127.0.0.1');
      u.socket.once('data', () => answered++);
      uploads.push(u);
    }
    // Every upload is either at the origin (holding a connection) or answered; bounded.
    await until(() => atOrigin + answered >= 300, 5000);
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await Promise.race([
        viaProxy(lab.gw.proxyAddress, 'http://news.example/other-client', { localAddress: '127.0.0.2' }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 1 s')), 1000)),
      ]);
      const ms = performance.now() - t0;
      assert.equal(r.status, 200);
      assert.ok(ms < 1000, `answered in ${ms.toFixed(0)} ms`);
    }
    assert.ok(atOrigin <= 16, `one client holds at most its share of the pool (${atOrigin} at the origin)`);
    const refused = await Promise.all(uploads.slice(0, 300).map((u) => Promise.race([u.answer, new Promise<string>((r) => setTimeout(() => r(''), 50))])));
    const n429 = refused.filter((t) => /^HTTP\/1\.1 429 /.test(t) && /X-Hedge-Error: HEDGE_ERR_TOO_MANY_UPLOADS/i.test(t)).length;
    assert.ok(n429 >= 284, `the uploads beyond the share were refused with 429 (${n429})`);
    assert.match(await lab.gw.metrics.text(), /hedge_fair_share_refusals_total\{reason="uploads_per_client"\} (28[4-9]|29\d)/);
  } finally {
    for (const u of uploads) u.socket.destroy();
    await lab.close();
  }
});

test('an upload slower than the minimum body rate is cut with 408, freeing its connection for others', async () => {
  const lab = await startLab({
    edit: (y) => y.replace('  resolve:', '  limits: { upstreamConnections: 4, minRequestBodyBytesPerSecond: 100, requestBodyGraceMs: 500 }\n  resolve:'),
  });
  const uploads: ReturnType<typeof slowUpload>[] = [];
  try {
    // Four different clients, one slow upload each: together they hold the whole pool of four.
    for (let i = 0; i < 4; i++) uploads.push(slowUpload(lab.gw.proxyAddress.port, `127.0.0.${10 + i}`));
    const drip = setInterval(() => uploads.forEach((u) => u.socket.writable && u.socket.write('y')), 200);
    try {
      const t0 = performance.now();
      const other = await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { localAddress: '127.0.0.20' });
      assert.equal(other.status, 200);
      assert.ok(performance.now() - t0 < 5000, 'answered once the slow uploads were cut');
      const answers = await Promise.all(uploads.map((u) => u.answer));
      for (const a of answers) {
        assert.match(a, /^HTTP\/1\.1 408 /, a.slice(0, 60));
        assert.match(a, /X-Hedge-Error: HEDGE_ERR_REQUEST_BODY_TOO_SLOW/i);
      }
    } finally {
      clearInterval(drip);
    }
    // A body at a normal rate is untouched by the limit.
    const big = await viaProxy(lab.gw.proxyAddress, 'http://news.example/big', { method: 'POST', body: Buffer.alloc(512 * 1024, 1), localAddress: '127.0.0.21' });
    assert.equal(big.status, 200);
    assert.equal(big.json().bodyBytes, 512 * 1024);
    assert.match(await lab.gw.metrics.text(), /hedge_fair_share_refusals_total\{reason="body_too_slow"\} [4-9]/);
  } finally {
    for (const u of uploads) u.socket.destroy();
    await lab.close();
  }
});

test('a request that cannot get a pooled connection in time answers 503 with a code', async () => {
  // An origin that accepts and never answers holds both pooled connections.
  const held = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    held.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as net.AddressInfo).port;
  const lab = await startLab({
    edit: (y) =>
      y.replace(
        '  resolve:\n',
        `  limits: { upstreamConnections: 2, upstreamQueueTimeoutMs: 300, upstreamHeadersTimeoutMs: 5000 }\n  resolve:\n    "hold.test": 127.0.0.1:${port}\n`,
      ),
  });
  const hanging = [0, 1].map((i) => viaProxy(lab.gw.proxyAddress, `http://hold.test/${i}`).catch(() => undefined));
  try {
    await until(() => held.size >= 2, 3000);
    const t0 = performance.now();
    const r = await viaProxy(lab.gw.proxyAddress, 'http://hold.test/third');
    assert.equal(r.status, 503);
    assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_UPSTREAM_BUSY');
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(held.size, 2, 'the refused request never reached the origin');
    assert.match(await lab.gw.metrics.text(), /hedge_fair_share_refusals_total\{reason="queue_timeout"\} 1/);
  } finally {
    for (const s of held) s.destroy();
    await Promise.all(hanging);
    await lab.close();
    silent.close();
  }
});
