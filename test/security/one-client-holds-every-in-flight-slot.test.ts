// Threat: one client takes every request slot and every other subscriber is
// shed. maxInFlightRequests bounds the gateway as a whole, and Node's server
// executes every pipelined request it has parsed at once: one connection
// writing 250 KB (4,096 GETs to a slow or attacker-run site) held all 4,096
// default slots for up to the upstream timeouts, past maxConnectionsPerAddress
// and the IPv6 /64 grouping, while everyone else got 503. Now a client address
// (an IPv6 client's /64) holds at most proxy.limits.maxInFlightPerClient; the
// next request is answered 429 after the earlier ones and its connection
// closed, so the rest of what it pipelined is never executed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startLab, rawExchange, type Lab } from '../helpers/gateway.js';

const SHARE = 8;
let lab: Lab;
let held: http.Server;
const releases: (() => void)[] = [];
let seen = 0;

before(async () => {
  held = http.createServer((req, res) => {
    seen++;
    req.resume();
    releases.push(() => res.end(`held ${req.url}\n`));
  });
  held.listen(0, '127.0.0.1');
  await once(held, 'listening');
  const port = (held.address() as AddressInfo).port;
  lab = await startLab({
    edit: (y) =>
      y
        .replace('  resolve:\n', `  resolve:\n    held.example.net: 127.0.0.1:${port}\n`)
        .replace('proxy:\n', `proxy:\n  limits: { maxInFlightRequests: 40, maxInFlightPerClient: ${SHARE} }\n`),
  });
});
after(async () => {
  await lab.close();
  held.closeAllConnections();
  held.close();
});

test('one connection pipelining 200 requests to a slow site holds its share, not every slot', async () => {
  const statuses: number[] = [];
  const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
  s.on('error', () => undefined);
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString('latin1')));
  await once(s, 'connect');
  s.write(Array.from({ length: 200 }, (_, i) => `GET http://held.example.net/${i} HTTP/1.1\r\nHost: held.example.net\r\n\r\n`).join(''));
  // Wait until the share has reached the origin.
  for (let i = 0; i < 100 && seen < SHARE; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen, SHARE, 'only the share reached the origin');

  // Another subscriber is served meanwhile, not shed.
  const other = await new Promise<string>((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port, localAddress: '127.0.0.2' });
    let t = '';
    c.on('data', (d: Buffer) => (t += d.toString('latin1')));
    c.on('error', reject);
    c.on('close', () => resolve(t));
    c.write('GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n');
  });
  assert.match(other, /^HTTP\/1\.1 200 /);

  while (releases.length) releases.shift()!();
  const closed = once(s, 'close');
  const t = setTimeout(() => s.destroy(), 5000);
  await closed;
  clearTimeout(t);
  for (const m of text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)) statuses.push(Number(m[1]));
  assert.deepEqual(statuses, [...Array<number>(SHARE).fill(200), 429], 'the share answered in order, then a 429, then close');
  assert.match(text, /x-hedge-error: HEDGE_ERR_TOO_MANY_IN_FLIGHT/i);
  assert.match(text, /retry-after: 1/i);
  assert.equal(seen, SHARE, 'nothing pipelined after the 429 was executed');
});

test('the slots are all given back, and the refusal is counted', async () => {
  const r = await rawExchange(lab.gw.proxyAddress.port, 'GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n');
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  const text = await lab.gw.metrics.text();
  assert.match(text, /^hedge_requests_in_flight 0$/m);
  assert.match(text, /hedge_fair_share_refusals_total\{reason="requests_per_client"\} 1$/m);
});
