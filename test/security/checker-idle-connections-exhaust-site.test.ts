// Threat: one client takes the public leak checker down by holding
// connections. Its listeners had no idle timeout, no connection cap, and a
// 20 s headers timeout that Node checks only every 30 s: a client could keep
// any number of silent or slowly sending connections open for 20-50 s each,
// and open them faster than they expired, until the process had no
// descriptors left for other visitors. Now each listener closes a silent connection and a
// slow sender within its headersTimeoutMs (checked every fraction of it), an
// idle one after idleTimeoutMs, and closes at accept what is over
// maxConnections in total or maxConnectionsPerAddress per client (an IPv4
// address, an IPv6 /64) — a trusted reverse proxy, which carries many
// visitors, is bound by the total only. Refusals are counted in
// hedge_checker_connections_refused_total{reason}, never with an address.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Registry } from 'prom-client';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';
import { openIdle, within } from '../helpers/idle-socket.js';

describe('the leak checker against a client holding connections', () => {
  const running: RunningChecker[] = [];
  const start = async (o: { limits: Record<string, number>; trustedProxies?: string[]; registry?: Registry }) => {
    const c = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, log: silentLogger, ...o }).listen();
    running.push(c);
    return c.httpAddress!.port;
  };
  after(async () => {
    for (const c of running) await c.close();
  });

  test('a silent connection and a slow sender are closed within the headers timeout', async () => {
    const port = await start({ limits: { headersTimeoutMs: 400, idleTimeoutMs: 600 } });
    const silent = await Promise.all([1, 2, 3].map(() => openIdle(port, '127.0.0.9')));
    const slow = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.9' });
    slow.on('error', () => {});
    slow.resume();
    await new Promise((r) => slow.once('connect', r));
    slow.write('GET / HTTP/1.1\r\nHost: a\r\n');
    const drip = setInterval(() => slow.writable && slow.write('X-Slow: y\r\n'), 100);
    const slowClosed = within(new Promise((r) => slow.once('close', r)), 3000);
    const times = await Promise.all(silent.map((c) => within(c.closedAfter, 3000)));
    const cut = await slowClosed;
    clearInterval(drip);
    for (const c of silent) c.socket.destroy();
    slow.destroy();
    assert.ok(
      times.every((ms) => ms !== undefined),
      `every silent connection is closed within seconds (${JSON.stringify(times)})`,
    );
    assert.ok(cut !== undefined, 'the slow sender is cut within seconds, not after 30 s');
  });

  test('one client holds at most its share and all together at most the total; counted without an address', async () => {
    const registry = new Registry();
    const port = await start({ limits: { maxConnections: 6, maxConnectionsPerAddress: 3 }, registry });
    const mine = await Promise.all([1, 2, 3, 4, 5].map(() => openIdle(port, '127.0.0.9')));
    assert.deepEqual((await Promise.all(mine.map((c) => c.closedEarly))).sort(), [false, false, false, true, true], 'three held, two closed at accept');
    const others = await Promise.all([1, 2, 3].map(() => openIdle(port, '127.0.0.10')));
    assert.deepEqual(await Promise.all(others.map((c) => c.closedEarly)), [false, false, false]);
    const overTotal = await openIdle(port, '127.0.0.11');
    assert.equal(await overTotal.closedEarly, true, 'the seventh connection overall is closed at accept');
    const metrics = await registry.metrics();
    assert.match(metrics, /hedge_checker_connections_refused_total\{reason="per_address"\} 2/);
    assert.match(metrics, /hedge_checker_connections_refused_total\{reason="total"\} 1/);
    assert.doesNotMatch(metrics, /127\.0\.0/, 'never an address');
    for (const c of [...mine, ...others]) c.socket.destroy();
  });

  test('a trusted reverse proxy is bound by the total only', async () => {
    const port = await start({ limits: { maxConnections: 6, maxConnectionsPerAddress: 2 }, trustedProxies: ['127.0.0.20'] });
    const proxy = await Promise.all([1, 2, 3, 4, 5].map(() => openIdle(port, '127.0.0.20')));
    assert.deepEqual(await Promise.all(proxy.map((c) => c.closedEarly)), [false, false, false, false, false]);
    for (const c of proxy) c.socket.destroy();
  });
});
