// Threat: a hostile client against the public leak checker, on its HTTP and
// its HTTPS listener — resets at every point (before, during and after the
// TLS handshake, mid-head, after the head, mid-body), a slow sender, a silent
// connection, a handshake begun and never finished, malformed and oversized
// request heads, plain text on the TLS port. The checker left these to Node's
// defaults: nothing it refused was counted (an operator could not see a
// probe or a flood), and on HTTPS a handshake left unfinished held its
// connection for Node's 120 s, past every limit the listener sets. None may
// crash the process or keep it from serving another visitor; each refusal is
// answered with a code where HTTP still can be (400, 408, 431), and counted
// in hedge_checker_refusals_total{reason} — never with an address. A reset is
// no refusal: there is no one left to answer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { Registry } from 'prom-client';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';
import { makeLabPki, type LabPki } from '../helpers/pki.js';
import { rawExchange } from '../helpers/gateway.js';
import { openIdle, within } from '../helpers/idle-socket.js';
import { HALF_CLIENT_HELLO, resetAfterTls, resetRaw, slowSender, tlsExchange } from '../helpers/hostile-client.js';

const REASONS = ['malformed', 'timeout', 'headers_too_large', 'tls_handshake', 'rate_limited'] as const;

async function refusals(registry: Registry, reason: (typeof REASONS)[number]): Promise<number> {
  const m = registry.getSingleMetric('hedge_checker_refusals_total');
  return (await m?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** A well-behaved visitor's GET; its status. */
function visit(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { ca, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('the visit timed out')));
    req.on('error', reject);
  });
}

describe('the leak checker against a hostile client', () => {
  let pki: LabPki;
  let registry: Registry;
  let checker: RunningChecker;
  before(async () => {
    pki = makeLabPki(['127.0.0.1', 'localhost'], 'hedge-checker-lab');
    registry = new Registry();
    checker = await new CheckerServer({
      http: { host: '127.0.0.1', port: 0 },
      https: { host: '127.0.0.1', port: 0, cert: pki.cert, key: pki.key },
      rateLimit: { limit: 10_000, windowMs: 60_000 },
      limits: { headersTimeoutMs: 400, idleTimeoutMs: 3000 },
      registry,
      log: silentLogger,
    }).listen();
  });
  after(async () => {
    await checker?.close();
    pki?.cleanup();
  });

  const total = async () => (await Promise.all(REASONS.map((r) => refusals(registry, r)))).reduce((a, b) => a + b, 0);

  for (const scheme of ['http', 'https'] as const) {
    describe(`its ${scheme.toUpperCase()} listener`, () => {
      const port = () => (scheme === 'http' ? checker.httpAddress! : checker.httpsAddress!).port;
      const tlsCa = () => (scheme === 'https' ? pki.ca : undefined);
      const stillServes = async () => assert.equal(await visit(`${scheme === 'http' ? checker.httpUrl : checker.httpsUrl}/api/check`, pki.ca), 200, 'another visitor is served');
      const resetAfter = (bytes: string) => (scheme === 'http' ? resetRaw(port(), bytes) : resetAfterTls(port(), pki.ca, bytes));
      const exchange = (bytes: string) => (scheme === 'http' ? rawExchange(port(), bytes) : tlsExchange(port(), pki.ca, bytes));

      it('a reset at every point leaves it serving, and is no refusal', async () => {
        const before = await total();
        if (scheme === 'https') {
          await resetRaw(port(), ''); // before the handshake
          await resetRaw(port(), HALF_CLIENT_HELLO); // mid-handshake
        }
        for (const point of [
          '', // after the handshake (HTTPS), at once (HTTP)
          'GET /api/ch',
          'GET /api/check HTTP/1.1\r\n',
          'GET /api/check HTTP/1.1\r\nHost: a\r\nX-Half', // mid-head
          'GET /api/check HTTP/1.1\r\nHost: a\r\n\r\n', // after the head, while it answers
          'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{"half', // after the head, mid-body
        ])
          await resetAfter(point);
        await stillServes();
        assert.equal(await total(), before, 'a client that reset was refused nothing');
      });

      it('a slow sender and a silent connection are cut within the headers timeout, counted; another visitor is served first', async () => {
        const before = await refusals(registry, 'timeout');
        const slow = slowSender(port(), 'GET /api/check HTTP/1.1\r\nHost: a\r\n', 'X-Slow: y\r\n', { localAddress: '127.0.0.9', ca: tlsCa() });
        const silent = await openIdle(port(), '127.0.0.9'); // on HTTPS: a handshake never begun
        // On HTTPS, also a handshake begun and never finished.
        const stalled = scheme === 'https' ? await openIdle(port(), '127.0.0.9') : undefined;
        stalled?.socket.write(HALF_CLIENT_HELLO);
        try {
          await slow.started;
          await stillServes();
          assert.equal(slow.closed(), false, 'the visitor was served while the slow sender was still held');
          const cut = await Promise.all([within(slow.closedAt, 5000), within(silent.closedAfter, 5000), ...(stalled ? [within(stalled.closedAfter, 5000)] : [])]);
          assert.ok(
            cut.every((t) => t !== undefined),
            `each cut within seconds, not Node's 30 or 120 s (${JSON.stringify(cut)})`,
          );
        } finally {
          for (const s of [slow.socket, silent.socket, stalled?.socket]) s?.destroy();
        }
        assert.match(slow.answer(), /^HTTP\/1\.1 408 /);
        assert.match(slow.answer(), /HEDGE_ERR_REQUEST_TIMEOUT/);
        assert.equal(await refusals(registry, 'timeout'), before + (stalled ? 3 : 2), 'each cut counted once');
        await stillServes();
      });

      it('malformed and oversized request heads: 400 or 431 with a code, closed, counted', async () => {
        const malformed = await refusals(registry, 'malformed');
        for (const bad of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
          const r = await exchange(bad);
          assert.match(r.text, /^HTTP\/1\.1 400 /, JSON.stringify(bad));
          assert.match(r.text, /HEDGE_ERR_MALFORMED_REQUEST/);
          assert.equal(r.closed, true);
        }
        assert.equal(await refusals(registry, 'malformed'), malformed + 3);
        const large = await refusals(registry, 'headers_too_large');
        const huge = await exchange(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
        assert.match(huge.text, /^HTTP\/1\.1 431 /, 'a head over 32 KiB');
        assert.match(huge.text, /HEDGE_ERR_HEADERS_TOO_LARGE/);
        assert.equal(await refusals(registry, 'headers_too_large'), large + 1);
        if (scheme === 'https') {
          const handshakes = await refusals(registry, 'tls_handshake');
          for (const notTls of ['GET / HTTP/1.1\r\nHost: a\r\n\r\n', '\u0016\u0003\u0001\u0000\u0004GARBAGE']) {
            const r = await rawExchange(port(), notTls);
            assert.equal(r.closed, true, 'not TLS: closed');
          }
          assert.equal(await refusals(registry, 'tls_handshake'), handshakes + 2);
        }
        await stillServes();
        assert.doesNotMatch(await registry.metrics(), /127\.0\.0/, 'never an address');
      });
    });
  }

  it('a visitor over the rate limit gets 429, counted', async () => {
    const own = new Registry();
    const limited = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, rateLimit: { limit: 1, windowMs: 60_000 }, registry: own, log: silentLogger }).listen();
    try {
      const url = `${limited.httpUrl}/api/check`;
      assert.equal(await visit(url, pki.ca), 200);
      assert.equal(await visit(url, pki.ca), 429);
      assert.equal(await refusals(own, 'rate_limited'), 1);
    } finally {
      await limited.close();
    }
  });
});
