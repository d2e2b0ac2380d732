// Threat: "Expect: 100-continue" answered before the gateway checked the
// request. Node sends "100 Continue" itself as soon as it has parsed a head,
// before any check of hedge's ran: the client is told to send a body for a
// request hedge then refuses (framing, destination, route, method), and a
// refusal that kept the connection would leave those body bytes to be parsed
// as a next request. And Node answers any other expectation with a bare 417
// that carries no hedge code and keeps the connection.
//
// On every listener (proxy, admin API, transparency page, front door, leak
// checker and its metrics listener), over raw sockets: a request refused
// before its body is read gets its final answer and no 100, the connection is
// closed, and a request smuggled in the body the client sent anyway (as a
// client does whose wait ran out) is never answered or forwarded; a request
// whose body is read gets its 100 first; another expectation gets 417 with
// HEDGE_ERR_EXPECTATION_FAILED, closed and counted. A legitimate upload with
// Expect through the proxy (curl's, and a raw one on a kept connection) still
// works, the origin never sees the Expect header.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startLab, type Lab, type EchoBody } from '../helpers/gateway.js';
import { tlsConnect } from '../helpers/hostile-client.js';
import { startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { startPageLab, type PageLab } from '../transparency/lab.js';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { startMetricsListener, type RunningMetricsListener } from '../../src/checker/metrics-listener.js';
import { silentLogger } from '../../src/shared/log.js';
import { makeLabPki, type LabPki } from '../helpers/pki.js';
import { ErrorCodes } from '../../src/shared/errors.js';

interface Seen {
  /** What the server sent before the client gave up waiting and sent its body. */
  beforeBody: string;
  /** Everything the server sent. */
  text: string;
  /** The server closed the connection (not the test's deadline). */
  closed: boolean;
}

/**
 * Writes a request head on `socket`, waits up to `waitMs` for a complete
 * response head (a 100 or a final answer), then sends `body` as a client
 * does whose wait ran out, and reads until the server closes (or `timeoutMs`).
 */
function expecting(socket: net.Socket | tls.TLSSocket, head: string, body: string, waitMs = 600, timeoutMs = 3000): Promise<Seen> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let beforeBody: string | undefined;
    let closed = false;
    const text = () => Buffer.concat(chunks).toString('latin1');
    const sendBody = () => {
      if (beforeBody !== undefined) return;
      beforeBody = text();
      if (!socket.destroyed && socket.writable) socket.write(body);
    };
    const waited = setTimeout(sendBody, waitMs);
    const deadline = setTimeout(() => finish(), timeoutMs);
    const finish = () => {
      clearTimeout(waited);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ beforeBody: beforeBody ?? text(), text: text(), closed });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // A 100 or a final answer's head arrived: the client sends its body now (after a refusal, as one that did not wait would).
      if (text().includes('\r\n\r\n')) setTimeout(sendBody, 50);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.write(head);
  });
}

const tcp = (port: number) => net.connect({ host: '127.0.0.1', port });

/** The number of response status lines in `text` (a 100 counts). */
const answers = (text: string) => (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length;

/** A refusal: the final answer alone (no 100 before it), with its hedge code, the connection closed, nothing after it. */
function assertRefusedAlone(seen: Seen, status: number, code?: string): void {
  assert.doesNotMatch(seen.text, /HTTP\/1\.1 100 /, 'no "100 Continue" for a request that is refused');
  assert.match(seen.beforeBody, new RegExp(`^HTTP/1\\.1 ${status} `), `the final answer (${status}) comes before the body is sent`);
  if (code) assert.ok(seen.text.includes(code), `the answer carries ${code}: ${JSON.stringify(seen.text.slice(0, 300))}`);
  assert.match(seen.text, /\r\nconnection: close\r\n/i, 'the answer says the connection closes');
  assert.equal(answers(seen.text), 1, `one answer only: the body sent anyway is never parsed as a request (${JSON.stringify(seen.text.slice(0, 400))})`);
  assert.ok(seen.closed, 'the connection is closed');
}

/** A body that is itself a request: it must never be parsed as one. */
function smuggling(line: string, host: string): string {
  return `${line} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\n\r\n`;
}

describe('the proxy and the admin API', () => {
  let lab: Lab;
  const atOrigin: string[] = [];
  before(async () => {
    lab = await startLab();
    lab.origin.server.prependListener('request', (req: { url?: string }) => atOrigin.push(req.url ?? ''));
  });
  after(async () => lab?.close());

  const proxy = () => tcp(lab.gw.proxyAddress.port);
  const SMUGGLED = smuggling('GET http://news.example/smuggled', 'news.example');

  test('proxy: a request refused for its framing gets no 100, and its body is never parsed', async () => {
    const head = `POST http://news.example/upload HTTP/1.1\r\nHost: news.example\r\nExpect: 100-continue\r\nContent-Length: ${SMUGGLED.length}\r\nContent_Length: 0\r\n\r\n`;
    assertRefusedAlone(await expecting(proxy(), head, SMUGGLED), 400, ErrorCodes.AMBIGUOUS_FRAMING);
    assert.ok(!atOrigin.includes('/smuggled') && !atOrigin.includes('/upload'), 'nothing reached the origin');
  });

  test('proxy: a request to a refused destination gets no 100: the body is never asked for, never forwarded', async () => {
    const admin = lab.gw.adminAddress.port;
    const head = `POST http://127.0.0.1:${admin}/policy/reload HTTP/1.1\r\nHost: 127.0.0.1:${admin}\r\nExpect: 100-continue\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(proxy(), head, SMUGGLED), 403, ErrorCodes.DESTINATION_REFUSED);
    assert.ok(!atOrigin.includes('/smuggled'), 'the smuggled request never reached the origin');
  });

  test('proxy: another expectation is refused 417 with a hedge code, closed and counted', async () => {
    const before = await lab.gw.metrics.value('hedge_malformed_requests_total', { reason: 'unsupported_expectation' });
    const head = `POST http://news.example/upload HTTP/1.1\r\nHost: news.example\r\nExpect: 200-ok\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(proxy(), head, SMUGGLED), 417, ErrorCodes.EXPECTATION_FAILED);
    assert.equal(await lab.gw.metrics.value('hedge_malformed_requests_total', { reason: 'unsupported_expectation' }), before + 1, 'counted as a malformed request');
    assert.ok(!atOrigin.includes('/smuggled') && !atOrigin.includes('/upload'), 'nothing reached the origin');
  });

  test('proxy: an allowed upload gets its 100 first, reaches the origin whole without Expect, and the connection is kept', async () => {
    const body = 'x'.repeat(5000);
    const s = proxy();
    const chunks: Buffer[] = [];
    const text = () => Buffer.concat(chunks).toString('latin1');
    const until = (what: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`waited for ${what}: ${JSON.stringify(text().slice(0, 300))}`)), 3000);
        const check = () => {
          if (what.test(text())) {
            clearTimeout(t);
            s.off('data', check);
            resolve();
          }
        };
        s.on('data', check);
      });
    s.on('data', (c: Buffer) => chunks.push(c));
    try {
      const continued = until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
      s.write(`POST http://news.example/upload HTTP/1.1\r\nHost: news.example\r\nExpect: 100-continue\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`);
      await continued;
      const answered = until(/HTTP\/1\.1 200 [^]*\r\n\r\n[^]*"bodyBytes": 5000[^]*\n\}\n$/);
      s.write(body);
      await answered;
      const echo = JSON.parse(text().slice(text().indexOf('{'))) as EchoBody;
      assert.ok(!echo.rawHeaders.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'expect'), 'the origin never sees the Expect header');
      chunks.length = 0;
      const again = until(/^HTTP\/1\.1 200 /);
      s.write('GET http://news.example/again HTTP/1.1\r\nHost: news.example\r\n\r\n');
      await again;
    } finally {
      s.destroy();
    }
  });

  test('proxy: curl uploading with Expect: 100-continue is answered without waiting out its timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hedge-expect-'));
    try {
      const file = join(dir, 'body');
      writeFileSync(file, Buffer.alloc(64 * 1024, 0x61));
      const started = performance.now();
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          'curl',
          [
            '-sS',
            '--max-time',
            '10',
            '--expect100-timeout',
            '6',
            '-x',
            `http://127.0.0.1:${lab.gw.proxyAddress.port}`,
            '-H',
            'Expect: 100-continue',
            '--data-binary',
            `@${file}`,
            'http://news.example/curl',
          ],
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout)),
        ),
      );
      const elapsed = performance.now() - started;
      const echo = JSON.parse(out) as EchoBody;
      assert.equal(echo.bodyBytes, 64 * 1024, 'the whole body reached the origin');
      assert.ok(elapsed < 4000, `curl was sent its 100 (it would otherwise wait 6 s): ${Math.round(elapsed)} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('admin API: a request to no route gets no 100, its body is never parsed', async () => {
    const body = smuggling('PUT /log/level', '127.0.0.1');
    const head = `POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(tcp(lab.gw.adminAddress.port), head, body), 404);
  });

  test('admin API: a route that reads the body sends its 100 first', async () => {
    const body = '{"token":"not-a-token"}';
    const head = `POST /tokens/resolve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const seen = await expecting(tcp(lab.gw.adminAddress.port), head, body, 2000);
    assert.match(seen.beforeBody, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'the 100 before the body');
    assert.match(seen.text, /\r\n\r\nHTTP\/1\.1 [24]\d\d /, `then the answer: ${JSON.stringify(seen.text.slice(0, 200))}`);
  });

  test('admin API: another expectation is refused 417 with a hedge code, closed and counted', async () => {
    const before = await lab.gw.metrics.value('hedge_admin_refusals_total', { reason: 'expectation' });
    const body = smuggling('PUT /log/level', '127.0.0.1');
    const head = `POST /policy/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: something-else\r\nContent-Length: ${body.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(tcp(lab.gw.adminAddress.port), head, body), 417, ErrorCodes.EXPECTATION_FAILED);
    assert.equal(await lab.gw.metrics.value('hedge_admin_refusals_total', { reason: 'expectation' }), before + 1);
  });
});

describe('the transparency page', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'expect' });
  });
  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  test('a refused request gets no 100; another expectation gets 417 with a hedge code, counted', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const port = lab.gw.transparencyAddress!.port;
    const body = smuggling('GET /', '127.0.0.1');
    const head = (expect: string) => `POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: ${expect}\r\nContent-Length: ${body.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(tcp(port), head('100-continue'), body), 404);
    const before = await lab.gw.metrics.value('hedge_transparency_requests_total', { outcome: 'expectation' });
    assertRefusedAlone(await expecting(tcp(port), head('200-ok'), body), 417, ErrorCodes.EXPECTATION_FAILED);
    assert.equal(await lab.gw.metrics.value('hedge_transparency_requests_total', { outcome: 'expectation' }), before + 1);
  });
});

describe('the front door', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab({ noAudit: true });
  });
  after(async () => lab?.close());

  test('a request to no route gets no 100, its body is never parsed', async () => {
    const body = smuggling('GET /.well-known/openid-configuration', 'a');
    const head = `POST /nowhere HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(await tlsConnect(lab.port, lab.pki.ca), head, body), 404);
  });

  test('the token endpoint, which reads the body, sends its 100 first', async () => {
    const body = 'grant_type=authorization_code&code=nothing';
    const head = `POST /token HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const seen = await expecting(await tlsConnect(lab.port, lab.pki.ca), head, body, 2000);
    assert.match(seen.beforeBody, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'the 100 before the body');
    assert.match(seen.text, /\r\n\r\nHTTP\/1\.1 4\d\d /, 'then the answer (no such code)');
  });

  test('another expectation is refused 417 with a hedge code, closed and counted', async () => {
    const before = await lab.gw.metrics.value('hedge_frontdoor_refusals_total', { reason: 'expectation' });
    const body = smuggling('GET /.well-known/openid-configuration', 'a');
    const head = `POST /token HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: ${body.length}\r\n\r\n`;
    assertRefusedAlone(await expecting(await tlsConnect(lab.port, lab.pki.ca), head, body), 417, ErrorCodes.EXPECTATION_FAILED);
    assert.equal(await lab.gw.metrics.value('hedge_frontdoor_refusals_total', { reason: 'expectation' }), before + 1);
  });
});

describe('the leak checker and its metrics listener', () => {
  let pki: LabPki;
  let registry: Registry;
  let checker: RunningChecker;
  let scrape: RunningMetricsListener;
  before(async () => {
    pki = makeLabPki(['127.0.0.1', 'localhost'], 'hedge-checker-lab');
    registry = new Registry();
    checker = await new CheckerServer({
      http: { host: '127.0.0.1', port: 0 },
      https: { host: '127.0.0.1', port: 0, cert: pki.cert, key: pki.key },
      rateLimit: { limit: 10_000, windowMs: 60_000 },
      registry,
      log: silentLogger,
    }).listen();
    scrape = await startMetricsListener({ host: '127.0.0.1', port: 0, registry, log: silentLogger });
  });
  after(async () => {
    await checker?.close();
    await scrape?.close();
    pki?.cleanup();
  });

  const count = async (name: string, reason: string) => (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  const body = smuggling('GET /api/check', 'a');
  const head = (path: string, expect: string) => `POST ${path} HTTP/1.1\r\nHost: a\r\nExpect: ${expect}\r\nContent-Length: ${body.length}\r\n\r\n`;

  for (const scheme of ['http', 'https'] as const) {
    const connect = () => (scheme === 'http' ? Promise.resolve(tcp(checker.httpAddress!.port)) : tlsConnect(checker.httpsAddress!.port, pki.ca));

    test(`checker (${scheme}): a POST it refuses (405) gets no 100, its body is never parsed`, async () => {
      assertRefusedAlone(await expecting(await connect(), head('/api/check', '100-continue'), body), 405, ErrorCodes.METHOD_NOT_ALLOWED);
    });

    test(`checker (${scheme}): another expectation is refused 417 with a hedge code, closed and counted`, async () => {
      const before = await count('hedge_checker_refusals_total', 'expectation');
      assertRefusedAlone(await expecting(await connect(), head('/api/check', '200-ok'), body), 417, ErrorCodes.EXPECTATION_FAILED);
      assert.equal(await count('hedge_checker_refusals_total', 'expectation'), before + 1);
    });
  }

  test('metrics listener: a POST gets its 405 without a 100; another expectation 417, counted', async () => {
    assertRefusedAlone(await expecting(tcp(scrape.address.port), head('/metrics', '100-continue'), body), 405, ErrorCodes.METHOD_NOT_ALLOWED);
    const before = await count('hedge_checker_metrics_refusals_total', 'expectation');
    assertRefusedAlone(await expecting(tcp(scrape.address.port), head('/metrics', '200-ok'), body), 417, ErrorCodes.EXPECTATION_FAILED);
    assert.equal(await count('hedge_checker_metrics_refusals_total', 'expectation'), before + 1);
  });
});
