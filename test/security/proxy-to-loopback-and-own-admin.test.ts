// Threat: a phone uses the proxy to reach what the operator never exposed —
// the gateway's own admin API (read anyone's number, PUT a binding of its own
// address to someone else's number), its own proxy port, or any service on
// the gateway host's loopback. A list of spellings is no defence (127.1,
// 2130706433, 0x7f.1, 0, [::ffff:127.0.0.1] all reach 127.0.0.1), so the
// address a host resolves to is checked where the connection is made, for
// every channel: absolute-form requests, CONNECT tunnels and upgrades.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { startLab, viaProxy, rawExchange, type Lab } from '../helpers/gateway.js';

/** A service on the gateway host's loopback that nobody exposed: counts every request it gets. */
interface Hidden {
  server: http.Server;
  port: number;
  hits: number;
}
async function hidden(host: string): Promise<Hidden> {
  const h: Hidden = { server: http.createServer(), port: 0, hits: 0 };
  h.server.on('request', (_req, res) => {
    h.hits++;
    res.end('secret\n');
  });
  h.server.on('upgrade', (_req, socket) => {
    h.hits++;
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  h.server.on('connection', () => h.hits++);
  await new Promise<void>((r) => h.server.listen(0, host, r));
  h.port = (h.server.address() as AddressInfo).port;
  return h;
}

let lab: Lab;
let v4: Hidden;
let v6: Hidden;
let second: Hidden;
before(async () => {
  v4 = await hidden('127.0.0.1');
  v6 = await hidden('::1');
  second = await hidden('127.0.0.2');
  // connectPorts: [] (any port) so the CONNECT port list is not what refuses these tunnels.
  lab = await startLab({ connectPorts: [] });
});
after(async () => {
  await lab.close();
  for (const h of [v4, v6, second]) h.server.close();
});

const totalHits = () => v4.hits + v6.hits + second.hits;

/** Every spelling of a loopback destination, with the port of the service it would reach. */
function spellings(): [string, () => number][] {
  return [
    ['localhost', () => v4.port],
    ['LocalHost.', () => v4.port],
    ['127.1', () => v4.port],
    ['2130706433', () => v4.port],
    ['0x7f.1', () => v4.port],
    ['0', () => v4.port],
    ['0.0.0.0', () => v4.port],
    ['127.0.0.1', () => v4.port],
    ['[::ffff:127.0.0.1]', () => v4.port],
    ['[::ffff:7f00:1]', () => v4.port],
    ['[::1]', () => v6.port],
    ['[::]', () => v6.port],
    ['127.0.0.2', () => second.port],
    ['127.0.0.1 (own admin port)', () => lab.gw.adminAddress.port],
    ['127.0.0.1 (own proxy port)', () => lab.gw.proxyAddress.port],
  ];
}
const hostOf = (s: string) => s.split(' ')[0]!;

for (const [spelling, port] of spellings()) {
  test(`absolute-form request to ${spelling} is refused with 403 and a code`, async () => {
    const before = totalHits();
    const r = await viaProxy(lab.gw.proxyAddress, `http://${hostOf(spelling)}:${port()}/bindings/127.0.0.1`);
    assert.equal(r.status, 403, r.body);
    assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_DESTINATION_REFUSED');
    assert.equal(totalHits(), before, 'nothing reached the loopback service');
    assert.doesNotMatch(r.body, /msisdn|447700900123/i);
  });

  test(`CONNECT to ${spelling} is refused with 403`, async () => {
    const before = totalHits();
    const authority = `${hostOf(spelling)}:${port()}`;
    const r = await rawExchange(lab.gw.proxyAddress.port, `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\nGET /bindings HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 403 /, r.text.slice(0, 120));
    assert.match(r.text, /X-Hedge-Error: HEDGE_ERR_DESTINATION_REFUSED/i);
    assert.equal(totalHits(), before, 'nothing reached the loopback service');
  });

  test(`upgrade to ${spelling} is refused with 403`, async () => {
    const before = totalHits();
    const authority = `${hostOf(spelling)}:${port()}`;
    const r = await rawExchange(
      lab.gw.proxyAddress.port,
      `GET http://${authority}/bindings HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    assert.match(r.text, /^HTTP\/1\.1 403 /, r.text.slice(0, 120));
    assert.match(r.text, /X-Hedge-Error: HEDGE_ERR_DESTINATION_REFUSED/i);
    assert.equal(totalHits(), before, 'nothing reached the loopback service');
  });
}

test('the admin API cannot be read or written through the proxy', async () => {
  const admin = `http://127.0.0.1:${lab.gw.adminAddress.port}`;
  const read = await viaProxy(lab.gw.proxyAddress, `${admin}/bindings/127.0.0.1`);
  assert.equal(read.status, 403);
  const put = await viaProxy(lab.gw.proxyAddress, `${admin}/bindings/127.0.0.1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: '+447700900999' }),
  });
  assert.equal(put.status, 403);
  assert.equal((await lab.gw.bindings.get('127.0.0.1'))?.subscriber.msisdn, '+447700900123', 'the binding is unchanged');
});

test('refusals are counted by channel and reason, never by address', async () => {
  const text = await lab.gw.metrics.text();
  assert.match(text, /hedge_destination_refusals_total\{channel="http",reason="loopback"\} [1-9]/);
  assert.match(text, /hedge_destination_refusals_total\{channel="connect",reason="loopback"\} [1-9]/);
  assert.match(text, /hedge_destination_refusals_total\{channel="upgrade",reason="loopback"\} [1-9]/);
  assert.match(text, /hedge_destination_refusals_total\{channel="http",reason="unspecified"\} [1-9]/);
  for (const line of text.split('\n').filter((l) => l.startsWith('hedge_destination_refusals_total'))) assert.doesNotMatch(line, /127\.|::|0x7f/);
});

test("the admin API refuses a request that carries the gateway's own Via token", async () => {
  const admin = `http://127.0.0.1:${lab.gw.adminAddress.port}`;
  const plain = await fetch(`${admin}/health`);
  assert.equal(plain.status, 200);
  for (const via of ['1.1 hedge', '1.0 squid, 1.1 hedge', 'HTTP/1.1 hedge (comment)']) {
    const r = await fetch(`${admin}/bindings`, { headers: { via } });
    assert.equal(r.status, 403, via);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'HEDGE_ERR_REACHED_THROUGH_PROXY');
  }
  const jwks = await fetch(`${admin}/.well-known/jwks.json`, { headers: { via: '1.1 hedge' } });
  assert.equal(jwks.status, 403, 'public admin routes too');
});

test("hosts pinned by proxy.resolve (the operator's own choice) are still reached", async () => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
  assert.equal(r.status, 200);
});

test("the gateway's own listeners stay refused even when loopback is explicitly allowed", async () => {
  const open = await startLab({ connectPorts: [], edit: (y) => y.replace('  resolve:', '  destinations:\n    allow: [127.0.0.0/8, "::1/128"]\n  resolve:') });
  try {
    const before = v4.hits;
    const ok = await viaProxy(open.gw.proxyAddress, `http://127.0.0.1:${v4.port}/`);
    assert.equal(ok.status, 200, 'an explicitly allowed loopback service is reached');
    assert.equal(v4.hits, before + 2, 'connection + request');
    for (const port of [open.gw.adminAddress.port, open.gw.proxyAddress.port]) {
      const r = await viaProxy(open.gw.proxyAddress, `http://127.0.0.1:${port}/health`);
      assert.equal(r.status, 403, `own port ${port}`);
      assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_DESTINATION_REFUSED');
      const c = await rawExchange(open.gw.proxyAddress.port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      assert.match(c.text, /^HTTP\/1\.1 403 /);
    }
    assert.match(await open.gw.metrics.text(), /hedge_destination_refusals_total\{channel="http",reason="own-listener"\} [1-9]/);
  } finally {
    await open.close();
  }
});

test('an operator deny list refuses a range even for a destination that is otherwise allowed', async () => {
  const closed = await startLab({ edit: (y) => y.replace('  resolve:', '  destinations:\n    allow: [127.0.0.0/8]\n    deny: [127.0.0.0/24]\n  resolve:') });
  try {
    const denied = await viaProxy(closed.gw.proxyAddress, `http://127.0.0.1:${v4.port}/`);
    assert.equal(denied.status, 403);
    const allowed = await viaProxy(closed.gw.proxyAddress, `http://127.0.0.2:${second.port}/`);
    assert.equal(allowed.status, 403, 'the longest matching prefix decides: 127.0.0.0/24 is denied, 127.0.0.2 is inside it');
    const other = await viaProxy(closed.gw.proxyAddress, `http://127.0.1.1:${second.port}/`);
    assert.notEqual(other.status, 403, 'outside the denied /24 the allow rule applies');
  } finally {
    await closed.close();
  }
});

test('a client that resets right after a destination refusal does not take the gateway down', async () => {
  for (const request of [
    `CONNECT 127.1:${v4.port} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET http://127.1:${v4.port}/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
  ]) {
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
      s.on('error', () => {});
      s.write(request);
      // Reset as soon as the refusal starts to arrive (curl -p does this), and once more before it could.
      s.once('data', () => {
        s.resetAndDestroy();
        resolve();
      });
    });
    const s2 = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
    s2.on('error', () => {});
    s2.write(request);
    s2.resetAndDestroy();
  }
  const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
  assert.equal(r.status, 200, 'still serving');
});
