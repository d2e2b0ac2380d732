// `hedge check --metrics-listen`: a checker run on its own publishes its
// refusal counters and process metrics to the operator's Prometheus, on a
// listener apart from the public ones; and that listener, like every other,
// holds up against a hostile client (resets, a slow sender, malformed heads,
// methods and paths it does not serve, more connections than its caps).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Registry } from 'prom-client';
import { startMetricsListener, type RunningMetricsListener } from '../../src/checker/metrics-listener.js';
import { silentLogger } from '../../src/shared/log.js';
import { rawExchange } from '../helpers/gateway.js';
import { openIdle, within } from '../helpers/idle-socket.js';
import { resetRaw, slowSender } from '../helpers/hostile-client.js';

const HEDGE = ['--import', 'tsx', 'src/cli/main.ts', 'check'];

async function refusals(registry: Registry, reason: string): Promise<number> {
  const m = registry.getSingleMetric('hedge_checker_metrics_refusals_total');
  return (await m?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('hedge check --metrics-listen', () => {
  it('hedge check --metrics-listen publishes the checker refusals and process metrics', async () => {
    const child = spawn(process.execPath, [...HEDGE, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const deadline = Date.now() + 30_000;
      while (!/metrics +http:\/\/127\.0\.0\.1:\d+\/metrics/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const page = /JSON +http:\/\/127\.0\.0\.1:(\d+)\/api\/check/.exec(out)?.[1];
      const metrics = /metrics +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)?.[1];
      assert.ok(page && metrics, `printed both addresses: ${out}`);
      const bad = await rawExchange(Number(page), 'GET / HTTP/1.1\r\nBad Header\r\n\r\n');
      assert.match(bad.text, /^HTTP\/1\.1 400 /);
      const r = await fetch(metrics);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await r.text();
      assert.match(text, /^hedge_checker_refusals_total\{reason="malformed"\} 1$/m, 'the visitor listener refusal is published');
      assert.match(text, /^process_resident_memory_bytes \d+/m, 'process metrics too');
      assert.doesNotMatch(text, /127\.0\.0\.1/, 'never an address');
      assert.equal((await fetch(metrics.replace('/metrics', '/healthz'))).status, 200);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0);
    }
  });

  it('hedge check refuses a bad --metrics-listen in words', async () => {
    const child = spawn(process.execPath, [...HEDGE, '--listen', '127.0.0.1:0', '--metrics-listen', 'somewhere'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise((r) => child.once('exit', r));
    assert.notEqual(code, 0);
    assert.match(err, /--metrics-listen: expected host:port, got "somewhere"/);
  });
});

describe('the checker metrics listener against a hostile client', () => {
  let registry: Registry;
  let listener: RunningMetricsListener;
  const port = () => listener.address.port;
  const scrape = async () => {
    const r = await fetch(`${listener.url}/metrics`);
    assert.equal(r.status, 200, 'a scrape is served');
    return r.text();
  };
  before(async () => {
    registry = new Registry();
    listener = await startMetricsListener({
      host: '127.0.0.1',
      port: 0,
      registry,
      log: silentLogger,
      limits: { headersTimeoutMs: 400, idleTimeoutMs: 3000, maxConnections: 16, maxConnectionsPerAddress: 3 },
    });
  });
  after(async () => listener?.close());

  it('a reset at every point leaves it serving, and is no refusal', async () => {
    const before = await registry.getSingleMetric('hedge_checker_metrics_refusals_total')!.get();
    for (const point of ['', 'GET /met', 'GET /metrics HTTP/1.1\r\n', 'GET /metrics HTTP/1.1\r\nHost: a\r\nX-Half', 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n'])
      await resetRaw(port(), point);
    await scrape();
    assert.deepEqual((await registry.getSingleMetric('hedge_checker_metrics_refusals_total')!.get()).values, before.values);
  });

  it('malformed and oversized heads, other methods and paths: answered with a code, counted', async () => {
    const malformed = await refusals(registry, 'malformed');
    const r = await rawExchange(port(), 'GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
    assert.match(r.text, /^HTTP\/1\.1 400 /);
    assert.match(r.text, /HEDGE_ERR_MALFORMED_REQUEST/);
    assert.equal(r.closed, true);
    assert.equal(await refusals(registry, 'malformed'), malformed + 1);
    const huge = await rawExchange(port(), `GET /metrics HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    assert.match(huge.text, /^HTTP\/1\.1 431 /);
    const post = await rawExchange(port(), 'POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello');
    assert.match(post.text, /^HTTP\/1\.1 405 /);
    assert.match(post.text, /allow: GET, HEAD/i);
    assert.equal(post.closed, true, 'a body it does not read: closed');
    const other = await rawExchange(port(), 'GET /api/check HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(other.text, /^HTTP\/1\.1 404 /);
    assert.equal(await refusals(registry, 'method'), 1);
    assert.equal(await refusals(registry, 'not_found'), 1);
    assert.equal(await refusals(registry, 'headers_too_large'), 1);
    await scrape();
  });

  it('a slow sender is cut within the headers timeout while a scrape is served; connections over the cap are closed at accept', async () => {
    const slow = slowSender(port(), 'GET /metrics HTTP/1.1\r\nHost: a\r\n', 'X-Slow: y\r\n', { localAddress: '127.0.0.7' });
    try {
      await slow.started;
      await scrape();
      assert.ok((await within(slow.closedAt, 5000)) !== undefined, 'cut within seconds');
    } finally {
      slow.socket.destroy();
    }
    assert.match(slow.answer(), /^HTTP\/1\.1 408 /);
    const idle = [];
    for (let i = 0; i < 4; i++) idle.push(await openIdle(port(), '127.0.0.8', 200));
    try {
      const early = await Promise.all(idle.map((s) => s.closedEarly));
      assert.deepEqual(early, [false, false, false, true], 'the fourth from one address is closed at accept');
      assert.equal(await refusals(registry, 'connections'), 1);
      await scrape();
    } finally {
      for (const s of idle) s.socket.destroy();
    }
  });
});
