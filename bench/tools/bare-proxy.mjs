#!/usr/bin/env node
// The floor under hedge's non-partner row: the least a forwarding proxy does
// per request, built from two parts that can each be swapped, so the floor
// row (bench/rows/floor.mjs) can say which part of Node's cost is which:
//   --server http   Node's http server (llhttp), as hedge's ingress   (default)
//   --server net    raw net sockets and a minimal request-head reader
//   --client undici undici's pooled keep-alive Agent, as hedge's upstream (default)
//   --client net    raw net sockets to the origin and a minimal response-head reader
// No policy, no identity lookup, no guard, no metrics, no logs: read the
// request, drop the hop-by-hop headers, send it to the one origin, relay the
// answer, done. The "net" parts (net-http1.mjs) read only what the bench
// sends and the bench's origin answers (GET without a body; responses with a
// Content-Length) and check nothing, which is what makes them a floor: what
// any proxy written in Node's JavaScript costs at least. Not a proxy to run:
// it forwards every request to ORIGIN_PORT whatever its host. The two parts
// meet in a small sink object per request, in all four builds alike (the
// default build used to write into the response directly; not measured apart).
// Usage: node bare-proxy.mjs ORIGIN_PORT PORT [--server http|net] [--client undici|net]
import http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { HOP_BY_HOP, netClient, netServer } from './net-http1.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { server: { type: 'string', default: 'http' }, client: { type: 'string', default: 'undici' } },
});
if (!['http', 'net'].includes(opts.server) || !['undici', 'net'].includes(opts.client)) {
  console.error('usage: node bare-proxy.mjs ORIGIN_PORT PORT [--server http|net] [--client undici|net]');
  process.exit(2);
}
const originPort = Number(positionals[0]);

// ---- client side: forward(method, path, headers, sink); a sink has head(status, text, headers), data(chunk) → ok, end(), fail().

function undiciClient() {
  const { Agent } = createRequire(import.meta.url)('undici');
  const origin = `http://127.0.0.1:${originPort}`;
  // hedge's upstream options (src/proxy/upstream.ts, defaults of proxy.limits).
  const agent = new Agent({ connections: 256, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 300_000, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 });
  class Relay {
    constructor(sink) {
      this.sink = sink;
    }
    onConnect() {}
    onHeaders(status, raw, resume, statusText) {
      if (status < 200) return true;
      const headers = [];
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toString('latin1');
        if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, raw[i + 1].toString('latin1'));
      }
      this.sink.head(status, statusText, headers, resume);
      return true;
    }
    onData(chunk) {
      return this.sink.data(chunk);
    }
    onComplete() {
      this.sink.end();
    }
    onError() {
      this.sink.fail();
    }
    onUpgrade() {}
  }
  return (method, path, headers, sink) => agent.dispatch({ origin, path, method, headers, body: null }, new Relay(sink));
}

const forward = opts.client === 'net' ? netClient(originPort) : undiciClient();

// ---- server side

/** A sink writing into a ServerResponse, with hedge's backpressure (pause undici until the client drains). */
function responseSink(res) {
  let resume;
  return {
    head(status, text, headers, resumeFn) {
      resume = resumeFn;
      res.writeHead(status, text || undefined, headers);
    },
    data(chunk) {
      const ok = res.write(chunk);
      if (!ok && resume) res.once('drain', resume);
      return ok;
    },
    end: () => res.end(),
    fail: () => (res.headersSent ? res.destroy() : res.writeHead(502).end()),
  };
}

const server =
  opts.server === 'net'
    ? netServer(forward)
    : http.createServer({ keepAliveTimeout: 600_000, requestTimeout: 30_000, headersTimeout: 20_000 }, (req, res) => {
        const raw = req.rawHeaders;
        const headers = [];
        for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
        const url = req.url.startsWith('http://') ? new URL(req.url) : undefined;
        forward(req.method, url ? url.pathname + url.search : req.url, headers, responseSink(res));
      });
server.listen(Number(positionals[1] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
