// Threat: a client holds proxy connections far longer than the operator
// allowed by sending its request head a line at a time (or nothing at all).
// The proxy set Node's headersTimeout from proxy.limits.headersTimeoutMs but
// not how often Node checks it (connectionsCheckingInterval, 30 s by
// default): a slow sender was cut 30 s late whatever the setting — with
// headersTimeoutMs: 500, after 29 s — so a client held its share of the
// proxy's connections for up to twice the default 30 s. Now the check runs
// at a fraction of the timeout, as on every other listener; the cut is a 408
// with a code, counted, and other clients are served meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { openIdle, within } from '../helpers/idle-socket.js';
import { slowSender } from '../helpers/hostile-client.js';

let lab: Lab;
before(async () => {
  lab = await startLab({ edit: (y) => y.replace('  mode: forward\n', '  mode: forward\n  limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 }\n') });
});
after(async () => lab?.close());

test('a slow request head and a silent connection are cut with 408 within the headers timeout, counted; others are served', async () => {
  const port = lab.gw.proxyAddress.port;
  const timeouts = () => lab.gw.metrics.value('hedge_malformed_requests_total', { reason: 'err_http_request_timeout' });
  const before = await timeouts();
  const silent = await openIdle(port, '127.0.0.9');
  const slow = slowSender(port, 'GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\n', 'X-Slow: y\r\n', { localAddress: '127.0.0.9' });
  const slowCut = within(slow.closedAt, 5000);
  try {
    await slow.started;
    const ok = await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
    assert.equal(ok.status, 200);
    assert.equal(slow.closed(), false, 'a well-behaved client is served while the slow one is held (before it is cut)');
    const cut = await Promise.all([slowCut, within(silent.closedAfter, 5000)]);
    assert.ok(
      cut.every((t) => t !== undefined),
      `both cut within seconds, not 30 s later (${JSON.stringify(cut)})`,
    );
  } finally {
    slow.socket.destroy();
    silent.socket.destroy();
  }
  assert.match(slow.answer(), /^HTTP\/1\.1 408 /);
  assert.match(slow.answer(), /HEDGE_ERR_REQUEST_TIMEOUT/);
  assert.ok((await timeouts()) >= before + 1, 'the cut is counted');
});
