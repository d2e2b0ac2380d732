// Threat: any web site leaves its visitors without an answer and holds the
// gateway's request slots. An origin's reason phrase with a byte Node will not
// write — a control byte, DEL, or a Latin-1 letter ("404 N\xe3o Encontrado",
// which real legacy servers send and undici reads as U+FFFD) — made the relay's
// writeHead throw; the 502 that followed threw too (Node kept the bad reason),
// and the client got nothing until the idle timeout (60 s by default) while the
// request held one of maxInFlightRequests. Now such a reason is replaced by the
// status code's own, and a refusal always names its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway, type RunningGateway } from '../../src/node/gateway.js';
import { silentLogger } from '../../src/shared/log.js';
import { demoConfig, rawExchange } from '../helpers/gateway.js';
import type { EchoOrigin } from '../../src/demo/echo-origin.js';

const ANSWERS: Record<string, [Buffer, string]> = {
  latin1: [Buffer.from('HTTP/1.1 404 N\xe3o Encontrado\r\nContent-Length: 2\r\n\r\nno', 'latin1'), 'HTTP/1.1 404 Not Found'],
  control: [Buffer.from('HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok', 'latin1'), 'HTTP/1.1 200 OK'],
  del: [Buffer.from('HTTP/1.1 200 O\x7fK\r\nContent-Length: 2\r\n\r\nok', 'latin1'), 'HTTP/1.1 200 OK'],
  utf8: [Buffer.from('HTTP/1.1 404 Não Encontrado\r\nContent-Length: 2\r\n\r\nno', 'utf8'), 'HTTP/1.1 404 Não Encontrado'],
  headerDel: [Buffer.from('HTTP/1.1 200 Fine\r\nX-A: a\x7fb\r\nContent-Length: 2\r\n\r\nok', 'latin1'), 'HTTP/1.1 502 Bad Gateway'],
};

let origin: net.Server;
let gw: RunningGateway;
before(async () => {
  origin = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => {
      const which = /GET \/(\w+)/.exec(d.toString('latin1'))?.[1] ?? '';
      s.end(ANSWERS[which]?.[0] ?? 'HTTP/1.1 500 Unknown\r\nContent-Length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as net.AddressInfo).port;
  gw = await startGateway(demoConfig({ address: { port } } as EchoOrigin), { log: silentLogger });
});
after(async () => {
  await gw.stop(200);
  await new Promise((r) => origin.close(r));
});

for (const [name, [, statusLine]] of Object.entries(ANSWERS)) {
  test(`an origin's ${name} reason phrase is answered at once: ${statusLine}`, async () => {
    const r = await rawExchange(gw.proxyAddress.port, `GET http://news.example/${name} HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n`, 2000);
    assert.equal(r.text.split('\r\n')[0], statusLine);
    assert.ok(r.closed, 'answered and closed, not left open');
  });
}

test('no request slot is left held', async () => {
  const text = await gw.metrics.text();
  assert.match(text, /^hedge_requests_in_flight 0$/m);
});
