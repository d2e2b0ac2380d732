// Threat: a hostile client against the admin API — the listener that can bind
// an address to a number. A reset at every point of every write path, slow
// senders and silent connections, more connections than it should hold,
// malformed and oversized requests. The admin API had none of the bounds the
// other listeners keep: a connection that sent a header line now and then
// was held for 60 s (Node's default, checked every 30 s) and any number of
// them could be opened — descriptors the proxy in the same process needs, and
// before any token is checked when the API listens beyond loopback. An
// oversized body was answered with a reset instead of a status, and nothing
// it refused was counted. None of these may crash the process, keep the API
// from answering a well-behaved client promptly, or write anything.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';
import { openIdle, within } from '../helpers/idle-socket.js';
import { resetRaw, slowSender } from '../helpers/hostile-client.js';

const LIMITS = '  limits: { headersTimeoutMs: 1000, idleTimeoutMs: 3000, maxConnections: 12, maxConnectionsPerAddress: 6 }\n';
const H = 'Host: 127.0.0.1\r\n';
const JSON_TYPE = 'Content-Type: application/json\r\n';
/** An address no binding exists for: nothing a hostile client sends may create one. */
const PROBE = '10.99.0.1';

describe('the admin API against a hostile client', () => {
  let lab: Lab;
  let port: number;
  before(async () => {
    lab = await startLab({ edit: (y) => y.replace('admin:\n  listen: 127.0.0.1:0\n', `admin:\n  listen: 127.0.0.1:0\n${LIMITS}`) });
    port = lab.gw.adminAddress.port;
  });
  after(async () => lab?.close());

  const refusals = (reason: string) => lab.gw.metrics.value('hedge_admin_refusals_total', { reason });

  /** A well-behaved client is answered, and no hostile request wrote a binding. */
  const stillServes = async () => {
    const health = await rawExchange(port, `GET /health HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    assert.match(health.text, /^HTTP\/1\.1 200 /, 'the admin API answers a well-behaved client');
    assert.equal(await lab.gw.bindings.get(PROBE), undefined, 'nothing was bound');
  };

  /** Writes `bytes` on a fresh connection, then resets it (RST, not FIN). */
  const resetAfter = (bytes: string) => resetRaw(port, bytes);

  test('a reset at every point of every write path leaves it serving and writes nothing', async () => {
    const binding = JSON.stringify({ msisdn: '+447700900777' });
    const writes: [string, string][] = [
      [`PUT /bindings/${PROBE}`, binding],
      ['PUT /log/level', '{"level":"debug"}'],
      ['POST /tokens/resolve', '{"token":"x"}'],
      ['POST /policy/reload', ''],
      ['POST /canary/run', ''],
    ];
    for (const [line, body] of writes) {
      const head = `${line} HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: ${body.length + 10}\r\n\r\n`;
      for (const point of [line.slice(0, 5), `${line} HTTP/1.1\r\n`, `${line} HTTP/1.1\r\n${H}Content-Le`, head, head + body.slice(0, body.length >> 1), head + body])
        await resetAfter(point);
    }
    await stillServes();
  });

  test('silent connections and slow senders (head or body) are cut within the timeouts, counted', async () => {
    const silent = await Promise.all([1, 2].map(() => openIdle(port, '127.0.0.9')));
    const before = await refusals('timeout');
    const slowHead = slowSender(port, `GET /health HTTP/1.1\r\n${H}`, 'X-Slow: y\r\n', { localAddress: '127.0.0.9' });
    const slowBody = slowSender(port, `PUT /bindings/${PROBE} HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: 1000\r\n\r\n{"msisdn":"+4477009007`, '7', { localAddress: '127.0.0.9' });
    let silentCut = false;
    for (const c of silent) void c.closedAfter.then(() => (silentCut = true));
    try {
      await Promise.all([slowHead.started, slowBody.started]);
      // While they are held, a well-behaved client is answered: before any of them is cut.
      await stillServes();
      assert.ok(!slowHead.closed() && !slowBody.closed() && !silentCut, 'a well-behaved client is served while the slow and silent ones are held');
      const cut = await Promise.all([within(slowHead.closedAt, 4000), within(slowBody.closedAt, 4000), ...silent.map((c) => within(c.closedAfter, 4000))]);
      assert.ok(
        cut.every((t) => t !== undefined),
        `every slow or silent connection is cut within seconds, not after 60 s (${JSON.stringify(cut)})`,
      );
    } finally {
      for (const s of [slowHead.socket, slowBody.socket, ...silent.map((c) => c.socket)]) s.destroy();
    }
    assert.ok((await refusals('timeout')) >= before + 3, 'the cut requests are counted');
    await stillServes();
  });

  test('one client holds at most its share and all together at most the total; counted without an address', async () => {
    // Opened and checked well within the headers timeout (which would close them all).
    const GRACE = 150;
    const mine = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => openIdle(port, '127.0.0.20', GRACE)));
    assert.deepEqual((await Promise.all(mine.map((c) => c.closedEarly))).filter(Boolean).length, 2, 'six held, two closed at accept');
    const others = await Promise.all([1, 2, 3, 4, 5, 6].map(() => openIdle(port, '127.0.0.21', GRACE)));
    assert.deepEqual((await Promise.all(others.map((c) => c.closedEarly))).filter(Boolean).length, 0);
    const overTotal = await openIdle(port, '127.0.0.22', GRACE);
    assert.equal(await overTotal.closedEarly, true, 'the thirteenth connection overall is closed at accept');
    for (const c of [...mine, ...others, overTotal]) c.socket.destroy();
    const metrics = await lab.gw.metrics.text();
    assert.match(metrics, /hedge_admin_connections_refused_total\{reason="per_address"\} 2/);
    assert.match(metrics, /hedge_admin_connections_refused_total\{reason="total"\} 1/);
    for (const line of metrics.split('\n').filter((l) => l.startsWith('hedge_admin_'))) assert.doesNotMatch(line, /127\.0\.0|10\.99/, 'never an address');
    await new Promise((r) => setTimeout(r, 50)); // the held connections' close reaches the server
    await stillServes();
  });

  test('malformed requests get 400 and the connection closed, counted', async () => {
    const before = await refusals('malformed');
    for (const bad of ['GARBAGE\r\n\r\n', `GET /health HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\n`, `GET /health HTTP/1.1\r\nBad Header\r\n\r\n`]) {
      const r = await rawExchange(port, bad);
      assert.match(r.text, /^HTTP\/1\.1 400 /, JSON.stringify(bad));
      assert.match(r.text, /HEDGE_ERR_MALFORMED_REQUEST/);
      assert.equal(r.closed, true);
    }
    assert.equal(await refusals('malformed'), before + 3);
    const invalid = await refusals('invalid');
    const target = await rawExchange(port, `GET http://[::1/x HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    assert.match(target.text, /^HTTP\/1\.1 400 .*HEDGE_ERR_BAD_REQUEST_TARGET/s, 'a target the URL parser refuses');
    assert.equal(await refusals('invalid'), invalid + 1);
    const huge = await rawExchange(port, `GET /health HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(huge.text, /^HTTP\/1\.1 431 /, 'a request head over the limit');
    assert.equal(await refusals('headers_too_large'), 1);
    await stillServes();
  });

  test('an oversized body is refused with 413 and a code, whatever announces it; counted; nothing written', async () => {
    const big = JSON.stringify({ msisdn: '+447700900777', pad: 'x'.repeat(70_000) });
    const declared = await rawExchange(port, `PUT /bindings/${PROBE} HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: ${big.length}\r\n\r\n${big}`);
    assert.match(declared.text, /^HTTP\/1\.1 413 /, 'announced by Content-Length');
    assert.match(declared.text, /HEDGE_ERR_BODY_TOO_LARGE/);
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const chunked = await rawExchange(
      port,
      `PUT /bindings/${PROBE} HTTP/1.1\r\n${H}${JSON_TYPE}Transfer-Encoding: chunked\r\n\r\n${chunk(big.slice(0, 40_000))}${chunk(big.slice(40_000))}0\r\n\r\n`,
    );
    assert.match(chunked.text, /^HTTP\/1\.1 413 /, 'only found while reading (chunked)');
    const resolve = await rawExchange(port, `POST /tokens/resolve HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: ${big.length}\r\n\r\n${big}`);
    assert.match(resolve.text, /^HTTP\/1\.1 413 /);
    assert.equal(await refusals('body_too_large'), 3);
    const invalid = await rawExchange(port, `PUT /bindings/${PROBE} HTTP/1.1\r\n${H}${JSON_TYPE}Content-Length: 5\r\nConnection: close\r\n\r\n{"ms"`);
    assert.match(invalid.text, /^HTTP\/1\.1 400 /, 'a body that is not JSON');
    assert.ok((await refusals('invalid')) >= 1);
    await stillServes();
  });
});
