// Issue 18: connection caps (total and per client address) are enforced and
// counted; past the in-flight bound requests are shed with 503 + Retry-After
// before the pipeline — a shed request to a partner carries no identity and
// never reaches the partner — and the admin API keeps answering meanwhile.
// While shedding, a new connection is answered at accept with a prebuilt 503
// (no parser, nothing of its request read as HTTP); a request on a connection
// already open is answered 503 on it and the connection kept, unread for its
// Retry-After (a client that sends again at once waits). A loop turn busy
// past maxLoopTurnMs, after a turn as long, sheds what it reaches later.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { openIdle } from '../helpers/idle-socket.js';
import { OverloadGuard } from '../../src/proxy/overload.js';

/** An origin that holds every request until released. */
async function holdingOrigin() {
  const held: http.ServerResponse[] = [];
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    held,
    release() {
      for (const res of held.splice(0)) res.end('ok');
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('connection caps', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ edit: (y) => y.replace('  mode: forward', '  mode: forward\n  limits:\n    maxConnections: 6\n    maxConnectionsPerAddress: 3') });
  });
  after(async () => lab?.close());

  test('per client address and in total: connections over the cap are closed at accept and counted', async () => {
    const port = lab.gw.proxyAddress.port;
    const mine = await Promise.all([1, 2, 3].map(() => openIdle(port, '127.0.0.7')));
    assert.deepEqual(await Promise.all(mine.map((c) => c.closedEarly)), [false, false, false]);
    const fourth = await openIdle(port, '127.0.0.7');
    assert.equal(await fourth.closedEarly, true, 'a fourth connection from the same address is closed');
    // Another address still gets in, up to the total cap.
    const others = await Promise.all([1, 2, 3].map(() => openIdle(port, '127.0.0.8')));
    assert.deepEqual(await Promise.all(others.map((c) => c.closedEarly)), [false, false, false]);
    const overTotal = await openIdle(port, '127.0.0.9');
    assert.equal(await overTotal.closedEarly, true, 'the seventh connection overall is closed');
    const metrics = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /hedge_connections_refused_total\{reason="per_address"\} 1/);
    assert.match(metrics, /hedge_connections_refused_total\{reason="total"\} 1/);
    assert.match(metrics, /hedge_client_connections 6/);
    for (const c of [...mine, ...others]) c.socket.destroy();
    // Once the gateway has seen them go, every count is released (the close
    // handler finds the address again on the closed socket): the address gets its whole share back.
    await waitFor('the closed connections to be released', async () => (await lab.gw.metrics.value('hedge_client_connections')) === 0);
    const again = await Promise.all([1, 2, 3].map(() => openIdle(port, '127.0.0.7')));
    assert.deepEqual(await Promise.all(again.map((c) => c.closedEarly)), [false, false, false]);
    for (const c of again) c.socket.destroy();
    assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { localAddress: '127.0.0.8' })).status, 200);
  });
});

describe('load shedding', () => {
  let lab: Lab;
  let origin: Awaited<ReturnType<typeof holdingOrigin>>;
  before(async () => {
    origin = await holdingOrigin();
    lab = await startLab({
      edit: (y) =>
        y
          .replace('  mode: forward', '  mode: forward\n  limits:\n    maxInFlightRequests: 2')
          .replace('  resolve:\n', `  resolve:\n    my.operator.example: 127.0.0.1:${origin.port}\n`),
    });
  });
  after(async () => {
    origin?.release();
    await lab?.close();
    await origin?.close();
  });

  test('past the in-flight bound: 503 with Retry-After, no identity, the partner never sees it; the admin API answers', async () => {
    const admitted = [viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/1'), viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/2')];
    const deadline = Date.now() + 5000;
    while (origin.seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(origin.seen.length, 2, 'two requests are in flight at the partner');

    const shed = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/3');
    assert.equal(shed.status, 503);
    assert.equal(shed.headers['retry-after'], '1');
    assert.equal(shed.headers['x-hedge-error'], 'HEDGE_ERR_OVERLOADED');
    assert.doesNotMatch(JSON.stringify(shed.headers) + shed.body, /447700900123|x-msisdn/i, 'a shed request carries no identity');
    const health = await fetch(`${lab.gw.adminUrl}/metrics`);
    assert.equal(health.status, 200, 'the admin API answers under overload');
    const metrics = await health.text();
    // A new connection (viaProxy opens one per request): answered at accept, before its request is parsed.
    assert.match(metrics, /hedge_requests_shed_total\{reason="in_flight",at="accept"\} 1/);
    assert.match(metrics, /hedge_requests_in_flight 2/);

    origin.release();
    const done = await Promise.all(admitted);
    assert.deepEqual(
      done.map((r) => r.status),
      [200, 200],
    );
    assert.equal(origin.seen.length, 2, 'the shed request never reached the partner');
    assert.ok(
      origin.seen.every((h) => h['x-msisdn'] === '+447700900123'),
      'the admitted ones were enriched',
    );
    // Capacity is back.
    const again = viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/4');
    while (origin.seen.length < 3 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 10));
    origin.release();
    assert.equal((await again).status, 200);
  });

  test('probes answer under overload: /livez, /readyz and /healthz are another listener and are never shed', async () => {
    const before = origin.seen.length;
    const admitted = [viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/p1'), viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/p2')];
    const deadline = Date.now() + 5000;
    while (origin.seen.length < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(origin.seen.length, before + 2, 'the gateway is at its in-flight bound');
    // Shedding goes on while the probes are asked, several times over.
    for (let i = 0; i < 5; i++) {
      assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://news.example/')).status, 503, 'the proxy sheds');
      for (const path of ['/livez', '/readyz', '/healthz']) {
        const probe = await fetch(`${lab.gw.adminUrl}${path}`);
        assert.equal(probe.status, 200, `${path} answers while the proxy sheds`);
        await probe.body?.cancel();
      }
    }
    origin.release();
    assert.deepEqual(
      (await Promise.all(admitted)).map((r) => r.status),
      [200, 200],
    );
  });

  /** A keep-alive connection opened, then the gateway held at its in-flight bound (two requests at the partner); `get` sends a request on that connection. */
  async function boundWithOpenConnection(tag: string) {
    const before = origin.seen.length;
    const conn = await openIdle(lab.gw.proxyAddress.port, '127.0.0.1');
    const replies = responses(conn.socket);
    const admitted = [viaProxy(lab.gw.proxyAddress, `http://my.operator.example/${tag}1`), viaProxy(lab.gw.proxyAddress, `http://my.operator.example/${tag}2`)];
    await waitFor('two requests in flight at the partner', () => origin.seen.length === before + 2);
    const get = (path: string) => conn.socket.write(`GET http://my.operator.example/${path} HTTP/1.1\r\nHost: my.operator.example\r\n\r\n`);
    return { before, conn, replies, admitted, get };
  }

  test('a request on a connection opened before the bound is answered 503 on it, without identity, and the connection stays usable', async () => {
    const { before, conn, replies, admitted, get } = await boundWithOpenConnection('k');
    get('k3');
    const shed = await replies.next();
    assert.match(shed, /^HTTP\/1\.1 503 /);
    assert.match(shed, /\r\nretry-after: 1\r\n/i);
    assert.match(shed, /\r\nx-hedge-error: HEDGE_ERR_OVERLOADED\r\n/i);
    assert.doesNotMatch(shed, /\r\nconnection: close\r\n/i, 'the connection is kept');
    assert.doesNotMatch(shed, /447700900123|x-msisdn/i, 'a shed request carries no identity');
    const metrics = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /hedge_requests_shed_total\{reason="in_flight",at="request"\} 1/);
    origin.release();
    assert.deepEqual(
      (await Promise.all(admitted)).map((r) => r.status),
      [200, 200],
    );
    // Capacity is back: the same connection carries the next request through (once its Retry-After second has passed).
    get('k4');
    await waitFor('the request to reach the partner', () => origin.seen.length === before + 3);
    origin.release();
    assert.match(await replies.next(), /^HTTP\/1\.1 200 /);
    assert.equal(origin.seen.length, before + 3, 'the shed request never reached the partner');
    conn.socket.destroy();
  });

  test('a connection whose request was shed is not read again until its Retry-After has passed; then it is served', async () => {
    const { before, conn, replies, admitted, get } = await boundWithOpenConnection('r');
    get('r3');
    assert.match(await replies.next(), /^HTTP\/1\.1 503 [^]*\r\nretry-after: 1\r\n/i);
    // Capacity is back at once, and the client does not wait as it was told: its next request waits in the kernel.
    origin.release();
    await Promise.all(admitted);
    const sent = performance.now();
    get('r4');
    await waitFor('the request to reach the partner', () => origin.seen.length === before + 3, 5000);
    const waited = performance.now() - sent;
    origin.release();
    assert.match(await replies.next(), /^HTTP\/1\.1 200 /);
    assert.ok(waited >= 800 && waited < 3000, `read after the rest, not at once nor never (${Math.round(waited)} ms)`);
    conn.socket.destroy();
  });
});

/** Complete responses (head and content-length body) read from a raw socket, one per next(). */
function responses(socket: net.Socket): { next(): Promise<string> } {
  let buf = '';
  const waiting: ((r: string) => void)[] = [];
  const ready: string[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const r = buf.slice(0, end + 4 + len);
      buf = buf.slice(end + 4 + len);
      const w = waiting.shift();
      if (w) w(r);
      else ready.push(r);
    }
  });
  return {
    next: () => {
      const r = ready.shift();
      return r !== undefined ? Promise.resolve(r) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe('shedding when the event loop is behind', () => {
  // The guard itself on a real server: each admitted request holds the loop
  // for longer than maxLoopTurnMs, so every turn that admits one is a long turn.
  // The budget is wall-clock time: it is set well above what a busy machine's
  // scheduler can steal from an idle turn (a 5 ms budget failed 1 run in 8
  // beside other test runs: the turn that accepted the connection counted long).
  let server: http.Server;
  let registry: Registry;
  let port: number;
  before(async () => {
    registry = new Registry();
    const guard = new OverloadGuard({ maxConnections: 0, maxConnectionsPerAddress: 0, maxInFlightRequests: 0, maxInFlightPerClient: 0, maxLoopTurnMs: 50 }, registry, undefined);
    server = http.createServer((req, res) => {
      if (!guard.enter(req.socket.remoteAddress ?? '')) {
        res.writeHead(503, { 'retry-after': '1', 'content-length': '5' }).end('shed\n');
        return;
      }
      const until = performance.now() + 100;
      while (performance.now() < until); // the work of one admitted request: 100 ms of the loop, twice the budget
      guard.leave();
      res.end('ok\n');
    });
    guard.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('a long turn alone sheds nothing; in the turn after it, what comes past the budget is shed', async () => {
    const conn = await openIdle(port, '127.0.0.1');
    const replies = responses(conn.socket);
    // Pipelined in one write, so one read and one turn of the loop parse them all.
    const batch = (n: number) => conn.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(n));
    const statuses = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(Number((await replies.next()).slice(9, 12)));
      return out;
    };
    batch(3);
    assert.deepEqual(await statuses(3), [200, 200, 200], 'the first long turn: a burst, nothing shed');
    batch(3);
    assert.deepEqual(await statuses(3), [200, 503, 503], 'after a long turn: the first is admitted, the rest came past the budget');
    const metrics = await registry.metrics();
    assert.match(metrics, /hedge_requests_shed_total\{reason="event_loop",at="request"\} 2/);
    conn.socket.destroy();
  });
});
