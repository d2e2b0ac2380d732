// Threat: a hostile (or merely unlucky) client against the proxy hangs up or
// resets in the middle of a request. Every other listener (front door,
// subscriber page, admin API, leak checker) treats a client that left
// mid-request as gone, not as a malformed request: there is no one to refuse.
// The proxy answered a FIN mid-head with a 400 and counted it as
// hedge_malformed_requests_total{reason="invalid_eof_state"}, so phones
// dropping off the network showed up as "malformed input" on the dashboard,
// indistinguishable from someone probing the parser. Now: nothing counted,
// nothing answered for the request cut short, the answers to the complete
// requests before it still delivered, then the connection closed; the proxy
// keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { endRaw, resetRaw } from '../helpers/hostile-client.js';

let lab: Lab;
const atOrigin: string[] = [];
before(async () => {
  lab = await startLab();
  lab.origin.server.prependListener('request', (req: { url?: string }) => atOrigin.push(req.url ?? ''));
});
after(() => lab.close());

const H = 'Host: news.example\r\n';

/** Every hedge_malformed_requests_total sample, summed over its reasons. */
async function malformedTotal(): Promise<number> {
  let n = 0;
  for (const line of (await lab.gw.metrics.text()).split('\n')) if (line.startsWith('hedge_malformed_requests_total{')) n += Number(line.split(' ').pop());
  return n;
}

const stillServes = async () => assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://news.example/after')).status, 200, 'another request is served');

const CUT_SHORT: [string, string][] = [
  ['inside the request line', 'GET http://news.exa'],
  ['after the request line', 'GET http://news.example/ HTTP/1.1\r\n'],
  ['inside a header', `GET http://news.example/ HTTP/1.1\r\n${H}X-Half`],
  ['an HTTP/0.9-style request line', 'GET /\r\n'],
];

for (const [where, bytes] of CUT_SHORT)
  test(`a client that hangs up ${where}: not counted as malformed, nothing answered or forwarded, closed`, async () => {
    const before = await malformedTotal();
    const hits = atOrigin.length;
    const r = await endRaw(lab.gw.proxyAddress.port, bytes);
    assert.ok(r.closed, 'the gateway closed the connection');
    assert.equal(r.text, '', 'no refusal for a client that left');
    assert.equal(atOrigin.length, hits, 'nothing reached the origin');
    assert.equal(await malformedTotal(), before, 'a client hanging up is no malformed request');
    await stillServes();
  });

test('a client that hangs up mid-body: not counted, the exchange is cut, closed', async () => {
  const before = await malformedTotal();
  const r = await endRaw(lab.gw.proxyAddress.port, `POST http://news.example/half HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\n{"half`);
  assert.ok(r.closed, 'the gateway closed the connection');
  assert.doesNotMatch(r.text, /^HTTP\/1\.1 400 /, 'no refusal for a client that left');
  assert.equal(await malformedTotal(), before);
  await stillServes();
});

test('a complete request, then a hang-up mid-head: the first answer, then close; nothing counted', async () => {
  const before = await malformedTotal();
  atOrigin.length = 0;
  const r = await endRaw(lab.gw.proxyAddress.port, `GET http://news.example/first HTTP/1.1\r\n${H}\r\nGET http://news.example/second HTTP/1.1\r\nHo`);
  assert.ok(r.closed, 'the gateway closed the connection');
  assert.deepEqual(
    [...r.text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1])),
    [200],
    r.text.slice(0, 200),
  );
  assert.deepEqual(atOrigin, ['/first']);
  assert.equal(await malformedTotal(), before);
});

test('a reset at every point of a request is not counted either', async () => {
  const before = await malformedTotal();
  for (const [, bytes] of CUT_SHORT) await resetRaw(lab.gw.proxyAddress.port, bytes);
  await resetRaw(lab.gw.proxyAddress.port, `POST http://news.example/half HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\n{"half`);
  assert.equal(await malformedTotal(), before);
  await stillServes();
});

test('a request the parser refuses is still answered 400, counted and closed', async () => {
  const before = await malformedTotal();
  const r = await endRaw(lab.gw.proxyAddress.port, `GET http://news.example/ HTTP/1.1\r\n${H}X-\x01Bad: a\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 400 /);
  assert.ok(r.closed);
  assert.equal(await malformedTotal(), before + 1);
  assert.doesNotMatch(await lab.gw.metrics.text(), /invalid_eof_state/, 'no hang-up was ever counted as malformed');
});
