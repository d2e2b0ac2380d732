#!/usr/bin/env node
// The floor under hedge's non-partner row: the least a forwarding proxy built
// on the same two parts — Node's http server (llhttp) for clients, undici's
// pooled keep-alive Agent for origins — does per request. No policy, no
// identity lookup, no guard, no metrics, no logs: parse the request, drop the
// hop-by-hop headers, dispatch it to the one origin with a handler that writes
// straight into the client's response (as src/proxy/upstream.ts does), done.
// Not a proxy to run: it forwards every request to ORIGIN_PORT whatever its
// host, and checks nothing. bench/rows/floor.mjs measures it next to hedge.
// Usage: node bare-proxy.mjs ORIGIN_PORT PORT
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Agent } = require('undici');

const origin = `http://127.0.0.1:${Number(process.argv[2])}`;
// hedge's upstream options (src/proxy/upstream.ts, defaults of proxy.limits).
const agent = new Agent({ connections: 256, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 300_000, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

class Relay {
  constructor(res) {
    this.res = res;
  }
  onConnect() {}
  onHeaders(status, raw, resume, statusText) {
    if (status < 200) return true;
    this.resume = resume;
    const headers = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      if (!HOP.has(name.toLowerCase())) headers.push(name, raw[i + 1].toString('latin1'));
    }
    this.res.writeHead(status, statusText || undefined, headers);
    return true;
  }
  onData(chunk) {
    // Backpressure as hedge's relay: undici pauses on false until resumed once the client drains.
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', this.resume);
    return ok;
  }
  onComplete() {
    this.res.end();
  }
  onError() {
    if (this.res.headersSent) this.res.destroy();
    else this.res.writeHead(502).end();
  }
  onUpgrade() {}
}

const server = http.createServer({ keepAliveTimeout: 600_000, requestTimeout: 30_000, headersTimeout: 20_000 }, (req, res) => {
  const raw = req.rawHeaders;
  const headers = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  const url = req.url.startsWith('http://') ? new URL(req.url) : undefined;
  agent.dispatch({ origin, path: url ? url.pathname + url.search : req.url, method: req.method, headers, body: null }, new Relay(res));
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
