// Threat: a hostile client resets its connection at an awkward moment and the
// gateway dies or stops answering. Every HTTP listener (the proxy on each of
// its paths, the admin API, the subscriber's transparency page, the leak
// checker) is reset at every point: inside
// the request line, after it, inside the headers, mid-body, right after a
// refusal, mid-response, mid-tunnel, mid-upgrade, between pipelined requests.
// After each reset the same listener must still answer the next request. An
// unhandled 'error' anywhere would fail this file (node:test reports it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { rawExchange } from '../helpers/gateway.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { startPageLab, type PageLab } from '../transparency/lab.js';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';

/**
 * An origin that answers slowly on purpose, so a reset can land while a body
 * is still arriving or a response still leaving: it reports each stage on
 * `seen` and holds the rest of the answer until the client side is gone.
 */
class SlowOrigin extends EventEmitter {
  readonly server = http.createServer((req, res) => {
    this.emit('seen', 'request');
    req.on('data', () => this.emit('seen', 'body'));
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
      res.write('x'.repeat(1000));
      this.emit('seen', 'response-started');
      res.on('close', () => this.emit('seen', 'response-closed'));
      return;
    }
    req.resume();
    req.on('end', () => res.end('ok\n'));
  });
  address!: AddressInfo;

  constructor() {
    super();
    this.server.on('upgrade', (req, socket: net.Socket) => {
      socket.on('error', () => undefined);
      this.emit('seen', 'upgrade');
      // /ws-hold never answers (a reset lands while the gateway waits); /ws switches and echoes.
      if (req.url === '/ws-hold') return;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
      socket.on('data', (c: Buffer) => {
        this.emit('seen', 'upgraded-data');
        socket.write(c);
      });
    });
    this.server.on('connect', (_req, socket: net.Socket) => socket.destroy());
    this.server.on('clientError', (_e, socket) => socket.destroy());
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.address = this.server.address() as AddressInfo;
  }

  next(stage: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('seen', on);
        reject(new Error(`the slow origin never saw ${stage}`));
      }, 5000);
      const on = (s: string) => {
        if (s !== stage) return;
        clearTimeout(t);
        this.off('seen', on);
        resolve();
      };
      this.on('seen', on);
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

let lab: PageLab;
let be: AuditBackend;
let slow: SlowOrigin;
let checker: RunningChecker;

before(async () => {
  slow = new SlowOrigin();
  await slow.listen();
  // The transparency page needs the disclosure audit: SQLite in a private folder (better-sqlite3 is a dependency, never skipped).
  const backend = await auditBackend('sqlite');
  if (typeof backend === 'string') throw new Error(backend);
  be = backend;
  lab = await startPageLab(be, be.fresh(), {
    node: 'reset',
    // slow.example.net is pinned to the slow origin (any port, so CONNECT to 443 reaches it too).
    edit: (y) => y.replace('  resolve:\n', `  resolve:\n    slow.example.net: 127.0.0.1:${slow.address.port}\n`),
  });
  checker = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, log: silentLogger, rateLimit: { limit: 100_000, windowMs: 60_000 } }).listen();
});
after(async () => {
  await checker?.close();
  await lab?.close();
  await be?.close();
  await slow?.close();
});

/** What a client does before resetting: write bytes, then optionally wait for something. */
interface Step {
  write?: string;
  /** Wait until the client has read at least this many bytes of the answer. */
  readAtLeast?: number;
  /** Wait until the slow origin reports this stage. */
  originSees?: string;
}

/** Runs the steps on a fresh connection, then resets it (RST, not FIN). */
async function resetAfter(port: number, steps: Step[]): Promise<string> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  await once(s, 'connect');
  let got = '';
  const waiters: (() => void)[] = [];
  s.on('data', (c: Buffer) => {
    got += c.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  try {
    for (const step of steps) {
      const seen = step.originSees ? slow.next(step.originSees) : undefined;
      if (step.write !== undefined) await new Promise<void>((r) => s.write(step.write!, () => r()));
      if (seen) await seen;
      if (step.readAtLeast !== undefined) {
        const need = step.readAtLeast;
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`answer never reached ${need} bytes; got ${JSON.stringify(got.slice(0, 120))}`)), 5000);
          const check = () => {
            if (got.length >= need) {
              clearTimeout(t);
              resolve();
            } else waiters.push(check);
          };
          check();
        });
      }
    }
  } finally {
    s.resetAndDestroy();
  }
  return got;
}

const H = 'Host: news.example\r\n';
const SLOW = 'Host: slow.example.net\r\n';
const proxyCases: [string, Step[]][] = [
  ['inside the request line', [{ write: 'GET http://news.exa' }]],
  ['after the request line', [{ write: 'GET http://news.example/ HTTP/1.1\r\n' }]],
  ['inside the headers', [{ write: `GET http://news.example/ HTTP/1.1\r\n${H}X-Half: ab` }]],
  ['after the headers, before the body', [{ write: `POST http://slow.example.net/ HTTP/1.1\r\n${SLOW}Content-Length: 100\r\n\r\n` }]],
  ['mid-body (Content-Length)', [{ write: `POST http://slow.example.net/ HTTP/1.1\r\n${SLOW}Content-Length: 100\r\n\r\n0123456789`, originSees: 'body' }]],
  ['mid-body (chunked)', [{ write: `POST http://slow.example.net/ HTTP/1.1\r\n${SLOW}Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n`, originSees: 'body' }]],
  ['mid-response', [{ write: `GET http://slow.example.net/stream HTTP/1.1\r\n${SLOW}\r\n`, readAtLeast: 500 }]],
  ['right after a framing refusal', [{ write: `POST http://news.example/ HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, readAtLeast: 1 }]],
  ['right after a parser refusal', [{ write: `GET http://news.example/ HTTP/1.1\r\n${H}X-\x01: a\r\n\r\n`, readAtLeast: 1 }]],
  ['right after a loop refusal', [{ write: `GET http://news.example/ HTTP/1.1\r\n${H}Via: 1.1 hedge\r\n\r\n`, readAtLeast: 1 }]],
  ['between pipelined requests', [{ write: `GET http://news.example/a HTTP/1.1\r\n${H}\r\nGET http://news.example/b HTTP/1.1\r\n`, readAtLeast: 1 }]],
  ['after a CONNECT line', [{ write: 'CONNECT slow.example.net:443 HTTP/1.1\r\n' }]],
  ['right after a CONNECT refusal', [{ write: 'CONNECT slow.example.net:80 HTTP/1.1\r\nHost: slow.example.net:80\r\n\r\n', readAtLeast: 1 }]],
  ['right after the tunnel opened', [{ write: 'CONNECT slow.example.net:443 HTTP/1.1\r\nHost: slow.example.net:443\r\n\r\n', readAtLeast: 1 }]],
  [
    'mid-tunnel',
    [
      { write: 'CONNECT slow.example.net:443 HTTP/1.1\r\nHost: slow.example.net:443\r\n\r\n', readAtLeast: 1 },
      { write: `GET /stream HTTP/1.1\r\n${SLOW}\r\n`, originSees: 'response-started' },
    ],
  ],
  [
    'mid-upgrade (before the origin answers)',
    [{ write: `GET http://slow.example.net/ws-hold HTTP/1.1\r\n${SLOW}Connection: upgrade\r\nUpgrade: echo\r\n\r\n`, originSees: 'upgrade' }],
  ],
  [
    'mid-upgrade (after the 101, while data flows)',
    [
      { write: `GET http://slow.example.net/ws HTTP/1.1\r\n${SLOW}Connection: upgrade\r\nUpgrade: echo\r\n\r\n`, readAtLeast: 20 },
      { write: 'echo me', originSees: 'upgraded-data' },
    ],
  ],
  ['right after an upgrade refusal', [{ write: `GET https://news.example/ HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`, readAtLeast: 1 }]],
];

async function proxyServes(): Promise<void> {
  const ok = await rawExchange(lab.gw.proxyAddress.port, `GET http://news.example/ HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  assert.match(ok.text, /^HTTP\/1\.1 200 /, 'the proxy answers the next request');
}

for (const [name, steps] of proxyCases) {
  test(`proxy: a reset ${name} leaves the gateway serving`, async () => {
    await resetAfter(lab.gw.proxyAddress.port, steps);
    await proxyServes();
  });
}

/** Reset points for a plain HTTP listener (admin API, transparency page, checker). */
function listenerCases(path: string, host: string): [string, Step[]][] {
  const h = `Host: ${host}\r\n`;
  return [
    ['inside the request line', [{ write: `GET ${path.slice(0, 3)}` }]],
    ['after the request line', [{ write: `GET ${path} HTTP/1.1\r\n` }]],
    ['inside the headers', [{ write: `GET ${path} HTTP/1.1\r\n${h}X-Half: ab` }]],
    ['mid-body', [{ write: `POST ${path} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":` }]],
    ['right after a parser refusal', [{ write: `GET ${path} HTTP/1.1\r\n${h}X-\x01: a\r\n\r\n`, readAtLeast: 1 }]],
    ['mid-response', [{ write: `GET ${path} HTTP/1.1\r\n${h}\r\n`, readAtLeast: 1 }]],
    ['between pipelined requests', [{ write: `GET ${path} HTTP/1.1\r\n${h}\r\nGET ${path} HTTP/1.1\r\n`, readAtLeast: 1 }]],
    ['after a CONNECT', [{ write: `CONNECT ${host}:443 HTTP/1.1\r\n${h}\r\n` }]],
    ['after an Upgrade', [{ write: `GET ${path} HTTP/1.1\r\n${h}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n` }]],
  ];
}

const listeners: [string, () => number, string, string][] = [
  ['admin API', () => lab.gw.adminAddress.port, '/health', '127.0.0.1'],
  ['transparency page', () => lab.gw.transparencyAddress!.port, '/', '127.0.0.1'],
  ['leak checker', () => checker.httpAddress!.port, '/api/check', 'check.example'],
];

for (const [listener, port, path, host] of listeners) {
  for (const [name, steps] of listenerCases(path, host)) {
    test(`${listener}: a reset ${name} leaves it serving`, async () => {
      await resetAfter(port(), steps);
      const ok = await rawExchange(port(), `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.match(ok.text, /^HTTP\/1\.1 200 /, `${listener} answers the next request`);
    });
  }
}
