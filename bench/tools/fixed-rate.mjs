#!/usr/bin/env node
// A fixed-rate load generator over a fixed set of keep-alive connections
// (HTTP/1.1, plain or TLS), for rows whose target is "N requests/s with a p99
// of at most M ms": requests are due at exactly RATE per second, whatever the
// server does, and each one's latency runs from the moment it was *due* — a
// request that had to wait for a free connection (because the server was
// slow) carries that wait, so a stall is not hidden the way a closed-loop
// tool such as wrk hides it (coordinated omission). wrk still measures the
// throughput ceiling; this measures the latency at a stated rate.
//
// Each connection carries one request at a time; due requests wait in order
// for the next free connection. Request i uses line i of TOKEN_FILE as its
// bearer token (single-use tokens: one per request), if a file is given.
//
// With --via HOST:PORT the connections go to that forward proxy and the request
// line carries the absolute URL (proxy form); --local-address binds every
// connection to one source address (e.g. a subscriber's bound address).
//
// Usage: node fixed-rate.mjs --url URL --rate R --seconds S --connections C
//          [--method POST] [--body STRING] [--header "name: value"]... [--token-file F]
//          [--via HOST:PORT] [--local-address ADDR] [--warmup S]
//   --warmup S: first send at the same rate for S seconds, unrecorded (the
//   server's and this process's code is compiled and optimised, connections
//   and TLS sessions made), then the S seconds that count.
//   → prints one JSON line: {rate, seconds, connections, warmupSeconds, warmupFailed, due, sent, ok, non2xx, errors,
//      achievedRps, p50Ms, p90Ms, p99Ms, maxMs, waitedForConnection}
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readResponses, closesConnection } from './responses.mjs';

const { values: o } = parseArgs({
  options: {
    url: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '50' },
    method: { type: 'string', default: 'GET' },
    body: { type: 'string', default: '' },
    header: { type: 'string', multiple: true, default: [] },
    'token-file': { type: 'string' },
    via: { type: 'string' },
    'local-address': { type: 'string' },
    warmup: { type: 'string', default: '0' },
  },
  strict: true,
});
if (!o.url || !o.rate || !o.seconds) {
  process.stderr.write('usage: fixed-rate.mjs --url URL --rate R --seconds S [--connections C] [--method M] [--body B] [--header H]... [--token-file F]\n');
  process.exit(2);
}
const url = new URL(o.url);
const rate = Number(o.rate);
const seconds = Number(o.seconds);
const warmup = Number(o.warmup);
const connections = Number(o.connections);
const secure = url.protocol === 'https:';
const via = o.via ? new URL(`http://${o.via}`) : undefined;
if (via && secure) {
  process.stderr.write('fixed-rate: --via takes an http:// URL (a CONNECT tunnel is not built here)\n');
  process.exit(2);
}
const connectHost = via ? via.hostname.replace(/^\[|\]$/g, '') : url.hostname;
const port = via ? Number(via.port || 80) : Number(url.port || (secure ? 443 : 80));
const localAddress = o['local-address'];
const tokens = o['token-file'] ? readFileSync(o['token-file'], 'utf8').split('\n').filter(Boolean) : undefined;
const body = Buffer.from(o.body);
const fixedHead =
  `${o.method} ${via ? url.href : `${url.pathname}${url.search}`} HTTP/1.1\r\nhost: ${url.host}\r\n` +
  o.header.map((h) => `${h}\r\n`).join('') +
  (body.length || o.method === 'POST' ? `content-length: ${body.length}\r\n` : '');

function requestBytes(i) {
  const auth = tokens ? `authorization: Bearer ${tokens[i] ?? 'exhausted'}\r\n` : '';
  return Buffer.concat([Buffer.from(`${fixedHead}${auth}\r\n`, 'latin1'), body]);
}

const free = [];
const waiting = []; // due times of requests waiting for a free connection
const latencies = [];
let sent = 0;
let ok = 0;
let non2xx = 0;
let errors = 0;
let waitedForConnection = 0;
let next = 0; // index of the next request (its token)
let lastAnswer = 0;
let warmupFailed = 0;
let measuredFrom = Infinity; // due time from which requests count (after the warm-up)

function open() {
  return new Promise((resolve, reject) => {
    const s = secure
      ? tls.connect({ host: connectHost, port, localAddress, servername: net.isIP(url.hostname) ? undefined : url.hostname, rejectUnauthorized: false })
      : net.connect({ host: connectHost, port, localAddress });
    s.setNoDelay(true);
    s.due = undefined;
    readResponses(s, (status, head) => {
      const now = performance.now();
      const counted = s.due !== undefined && s.due >= measuredFrom;
      if (counted) latencies.push(now - s.due);
      s.due = undefined;
      lastAnswer = now;
      if (counted) {
        if (status >= 200 && status < 300) ok++;
        else non2xx++;
      } else if (status < 200 || status >= 300) warmupFailed++;
      if (closesConnection(head)) {
        s.destroy();
        return false;
      }
      release(s);
    });
    s.once(secure ? 'secureConnect' : 'connect', () => resolve(s));
    s.on('error', (err) => reject(err));
    s.on('close', () => {
      if (s.due !== undefined && s.due >= measuredFrom) errors++;
      s.due = undefined;
      const i = free.indexOf(s);
      if (i >= 0) free.splice(i, 1);
    });
  });
}

function send(s, due) {
  s.due = due;
  if (due >= measuredFrom) sent++;
  s.write(requestBytes(next++));
}

function release(s) {
  if (waiting.length) send(s, waiting.shift());
  else free.push(s);
}

const socks = await Promise.all(Array.from({ length: connections }, open));
free.push(...socks);
const start = performance.now();
const warmupCount = Math.round(rate * warmup);
const total = warmupCount + Math.round(rate * seconds);
measuredFrom = start + (warmupCount / rate) * 1000;
let issued = 0;
const tick = () => {
  const now = performance.now();
  const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
  for (; issued < due; issued++) {
    const at = start + (issued / rate) * 1000; // stamped with the time it was due, not the time the timer fired
    const s = free.pop();
    if (s) send(s, at);
    else {
      if (at >= measuredFrom) waitedForConnection++;
      waiting.push(at);
    }
  }
  // Sleep until the next request is due (timers fire at 1 ms granularity, so a
  // few requests go out together); spinning on setImmediate would take a whole
  // core from the server on a small machine.
  if (issued < total) setTimeout(tick, Math.max(0, start + (issued / rate) * 1000 - performance.now()));
  else waitDone(Date.now() + 10_000);
};
setTimeout(tick, 0);

function waitDone(deadline) {
  if ((sent === latencies.length + errors && waiting.length === 0) || Date.now() > deadline) return finish();
  setTimeout(() => waitDone(deadline), 5);
}

function pct(a, p) {
  if (a.length === 0) return null;
  return Number(a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))].toFixed(3));
}

function finish() {
  latencies.sort((x, y) => x - y);
  const span = (lastAnswer - measuredFrom) / 1000;
  const due = total - warmupCount;
  process.stdout.write(
    JSON.stringify({
      rate,
      seconds,
      connections,
      warmupSeconds: warmup,
      warmupFailed,
      due,
      sent,
      ok,
      non2xx,
      errors: errors + (due - sent) + (sent - latencies.length - errors),
      achievedRps: Math.round(latencies.length / Math.max(span, seconds)),
      p50Ms: pct(latencies, 50),
      p90Ms: pct(latencies, 90),
      p99Ms: pct(latencies, 99),
      maxMs: latencies.length ? Number(latencies[latencies.length - 1].toFixed(3)) : null,
      waitedForConnection,
    }) + '\n',
  );
  for (const s of socks) s.destroy();
  process.exit(0);
}
