// Alerts: error log line, metric, webhook POST retried with backoff and bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Alerts } from '../../src/alerts/alerts.js';
import { createLogger } from '../../src/shared/log.js';

function hookServer(statuses: number[]): Promise<{ url: string; bodies: Record<string, unknown>[]; close(): Promise<void> }> {
  const bodies: Record<string, unknown>[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(statuses[Math.min(n++, statuses.length - 1)]!).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        bodies,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }) };
}

test('an alert is an error log line, a metric and a webhook POST (retried after a 500)', async () => {
  const hook = await hookServer([500, 503, 200]);
  const registry = new Registry();
  const { lines, log } = capture();
  const alerts = new Alerts({ log, registry, nodeId: 'n1', webhook: { url: hook.url, timeoutMs: 2000, retries: 3, minIntervalMs: 0, backoffMs: 10 } });
  alerts.raise('egress-guard', 'identifier stripped by the egress guard', { header: 'x-msisdn', attribute: 'msisdn' });
  await alerts.flush();
  const line = lines.find((l) => l.alert === 'egress-guard');
  assert.equal(line?.level, 'error');
  assert.equal(line?.header, 'x-msisdn');
  const metric = await registry.getSingleMetric('hedge_alerts_total')!.get();
  assert.equal(metric.values.find((v) => v.labels.kind === 'egress-guard')?.value, 1);
  assert.equal(hook.bodies.length, 3, 'two failures then success');
  assert.equal(hook.bodies[2]!.kind, 'egress-guard');
  assert.equal(hook.bodies[2]!.node, 'n1');
  assert.deepEqual(hook.bodies[2]!.fields, { header: 'x-msisdn', attribute: 'msisdn' });
  await alerts.close();
  await hook.close();
});

test('retries are bounded: a webhook that always fails is given up and counted', async () => {
  const hook = await hookServer([500]);
  const registry = new Registry();
  const { lines, log } = capture();
  const alerts = new Alerts({ log, registry, webhook: { url: hook.url, timeoutMs: 2000, retries: 2, minIntervalMs: 0, backoffMs: 5 } });
  alerts.raise('canary-failed', 'canary failed');
  await alerts.flush();
  assert.equal(hook.bodies.length, 3, '1 attempt + 2 retries');
  const m = await registry.getSingleMetric('hedge_alert_webhook_deliveries_total')!.get();
  assert.equal(m.values.find((v) => v.labels.result === 'failed')?.value, 1);
  assert.ok(lines.some((l) => l.msg === 'alert webhook delivery failed'));
  await alerts.close();
  await hook.close();
});

test('an unreachable webhook does not block raising alerts', async () => {
  const registry = new Registry();
  const { log } = capture();
  // Port 1 on loopback: connection refused.
  const alerts = new Alerts({ log, registry, webhook: { url: 'http://127.0.0.1:1/x', timeoutMs: 500, retries: 1, minIntervalMs: 0, backoffMs: 5 } });
  const e = alerts.raise('x', 'y');
  assert.equal(e.kind, 'x');
  await alerts.flush();
  const m = await registry.getSingleMetric('hedge_alert_webhook_deliveries_total')!.get();
  assert.equal(m.values.find((v) => v.labels.result === 'failed')?.value, 1);
  await alerts.close();
});

test('a storm of one kind is coalesced into one POST per interval, with a count', async () => {
  const hook = await hookServer([200]);
  const registry = new Registry();
  const { log } = capture();
  const alerts = new Alerts({ log, registry, webhook: { url: hook.url, timeoutMs: 2000, retries: 0, minIntervalMs: 300 } });
  for (let i = 0; i < 50; i++) alerts.raise('egress-guard', 'stripped', { header: 'x-a' });
  await alerts.flush();
  assert.equal(hook.bodies.length, 1, 'first one goes at once');
  // The rest go as one delivery when the interval ends.
  for (let i = 0; i < 100 && hook.bodies.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  await alerts.flush();
  assert.equal(hook.bodies.length, 2);
  assert.equal(hook.bodies[1]!.count, 49);
  const metric = await registry.getSingleMetric('hedge_alerts_total')!.get();
  assert.equal(metric.values[0]?.value, 50, 'every alert is counted');
  await alerts.close();
  await hook.close();
});
