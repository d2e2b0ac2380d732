// Threat: a phone uses the proxy to reach one of the gateway's own listeners
// that the destination policy did not know about. The canary's origin — the
// loopback listener every canary request ends at, which answers with exactly
// what arrived — was never registered as an own listener: with loopback
// allowed (`proxy.destinations.allow: [127.0.0.0/8]`, which the docs say
// keeps the gateway's own listeners refused), a phone reached it by an
// absolute-form request, a CONNECT tunnel or an upgrade. It is registered
// once it listens, and the canary itself (which dials it directly) still passes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, rawExchange, type Lab } from '../helpers/gateway.js';

let lab: Lab;
let originPort: number;
before(async () => {
  // connectPorts: [] (any port) so the CONNECT port list is not what refuses these tunnels.
  lab = await startLab({ connectPorts: [], edit: (y) => y.replace('  resolve:', '  destinations:\n    allow: [127.0.0.0/8, "::1/128"]\n  resolve:') });
  originPort = lab.gw.canary!.originAddress!.port;
});
after(async () => lab?.close());

test('an absolute-form request, a CONNECT and an upgrade to the canary origin are refused as an own listener, and counted', async () => {
  const r = await viaProxy(lab.gw.proxyAddress, `http://127.0.0.1:${originPort}/`);
  assert.equal(r.status, 403);
  assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_DESTINATION_REFUSED');
  const tunnel = await rawExchange(lab.gw.proxyAddress.port, `CONNECT 127.0.0.1:${originPort} HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\n\r\n`);
  assert.match(tunnel.text, /^HTTP\/1\.1 403 /);
  const upgrade = await rawExchange(
    lab.gw.proxyAddress.port,
    `GET http://127.0.0.1:${originPort}/ HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n`,
  );
  assert.match(upgrade.text, /^HTTP\/1\.1 403 /);
  const text = await lab.gw.metrics.text();
  for (const channel of ['http', 'connect', 'upgrade']) assert.match(text, new RegExp(`hedge_destination_refusals_total\\{channel="${channel}",reason="own-listener"\\} [1-9]`));
});

test('the canary still reaches its origin and passes', async () => {
  const r = await rawExchange(lab.gw.adminAddress.port, 'POST /canary/run HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 10_000);
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  const run = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)) as { ok: boolean; checks: number; findings: unknown[] };
  assert.equal(run.ok, true, JSON.stringify(run.findings));
  assert.ok(run.checks > 0);
});
