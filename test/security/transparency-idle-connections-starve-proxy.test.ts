// Threat: one phone holds connections to the subscriber's page and starves the
// proxy. The page runs in the gateway's process and is reachable from the
// mobile network; its listener had no idle timeout, no connection cap, and a
// 20 s headers timeout that Node checks only every 30 s: a connection that
// sent nothing, or a header line now and then, lived 20-50 s, and one phone
// opening ~2000 of them used up the process's descriptors (ulimit -n 2048) —
// the proxy stopped accepting for every subscriber. Now the page's listener
// cuts a silent connection or a slow sender once transparency.limits.
// headersTimeoutMs has passed (checked every fraction of it), closes an idle
// one after idleTimeoutMs, and closes at accept what is over maxConnections in total
// or maxConnectionsPerAddress per client (an IPv4 address, an IPv6 /64: the
// proxy's ConnectionCaps), counted in
// hedge_transparency_connections_refused_total{reason}.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { viaProxy } from '../helpers/gateway.js';
import { openIdle, within } from '../helpers/idle-socket.js';
import { waitFor } from '../helpers/wait.js';
import { pageRequest, startPageLab, type PageLab } from '../transparency/lab.js';

describe('the transparency listener against a client holding connections', () => {
  let be: AuditBackend | string;
  let timeouts: PageLab;
  let caps: PageLab;

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    timeouts = await startPageLab(be, be.fresh(), { node: 'idle', page: '  limits:\n    headersTimeoutMs: 400\n    idleTimeoutMs: 600\n' });
    caps = await startPageLab(be, be.fresh(), { node: 'caps', page: '  limits:\n    maxConnections: 6\n    maxConnectionsPerAddress: 3\n' });
  });

  after(async () => {
    await timeouts?.close();
    await caps?.close();
    if (typeof be !== 'string') await be?.close();
  });

  test('a connection that never sends a byte is closed after the configured timeout, not tens of seconds later', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const c = await openIdle(timeouts.gw.transparencyAddress!.port, '127.0.0.9');
    const ms = await within(c.closedAfter, 3000);
    c.socket.destroy();
    assert.ok(ms !== undefined, 'a silent connection is closed within seconds');
    assert.ok(ms >= 350, `not before its head was due (${ms} ms)`);
  });

  test('a client sending its request head a line at a time is cut after the headers timeout', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const s = net.connect({ host: '127.0.0.1', port: timeouts.gw.transparencyAddress!.port, localAddress: '127.0.0.9' });
    s.on('error', () => {});
    s.resume();
    await new Promise((r) => s.once('connect', r));
    s.write('GET / HTTP/1.1\r\nHost: a\r\n');
    // Never idle (a line every 100 ms, under idleTimeoutMs), never done.
    const drip = setInterval(() => s.writable && s.write('X-Slow: y\r\n'), 100);
    const closed = await within(new Promise((r) => s.once('close', r)), 3000);
    clearInterval(drip);
    s.destroy();
    assert.ok(closed !== undefined, 'the slow sender is cut within seconds, not after 30 s');
  });

  test('one client holds at most its share, all together at most the total, and the proxy keeps serving', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const port = caps.gw.transparencyAddress!.port;
    const phone = await Promise.all([1, 2, 3, 4, 5].map(() => openIdle(port, '127.0.0.9')));
    assert.deepEqual((await Promise.all(phone.map((c) => c.closedEarly))).sort(), [false, false, false, true, true], 'three held, two closed at accept');
    const others = await Promise.all([1, 2, 3].map(() => openIdle(port, '127.0.0.10')));
    assert.deepEqual(await Promise.all(others.map((c) => c.closedEarly)), [false, false, false]);
    const overTotal = await openIdle(port, '127.0.0.11');
    assert.equal(await overTotal.closedEarly, true, 'the seventh connection overall is closed at accept');
    // The page holds no more descriptors than its cap: the proxy answers other subscribers.
    assert.equal((await viaProxy(caps.gw.proxyAddress, 'http://news.example/', { localAddress: '127.0.0.12' })).status, 200);
    const metrics = await (await fetch(`${caps.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /hedge_transparency_connections_refused_total\{reason="per_address"\} 2/);
    assert.match(metrics, /hedge_transparency_connections_refused_total\{reason="total"\} 1/);
    assert.doesNotMatch(metrics, /hedge_transparency_connections_refused_total\{[^}]*127\.0\.0/, 'never an address in a label');
    for (const c of [...phone, ...others]) c.socket.destroy();
    // Closed connections give their share back.
    await waitFor(
      'the page to take connections again',
      async () => (await pageRequest(`${caps.gw.transparencyUrl}/`, { localAddress: '127.0.0.9' }).catch(() => undefined))?.status === 200,
      3000,
    );
  });
});
