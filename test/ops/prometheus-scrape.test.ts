// A real Prometheus (Debian's package) scrapes a running gateway on loopback
// with deploy/prometheus/alerts.yml loaded, and HedgeCanaryFailing fires once
// a leaking change makes the canary fail. Prometheus listens on 127.0.0.1
// only, stores into a temporary folder, and scrapes and evaluates every second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import { unavailable } from '../helpers/services.js';
import type { Stage } from '../../src/pipeline/stage.js';

const hasPrometheus = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim() !== '';
const skip = hasPrometheus ? undefined : unavailable('Prometheus', "install Debian's prometheus package");

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface PromAlert {
  labels: Record<string, string>;
  state: string;
}

test('a real Prometheus scrapes the gateway and HedgeCanaryFailing fires when the canary fails', { skip, timeout: 120_000 }, async () => {
  let leaking = false;
  const leak: Stage = {
    name: 'leaky-change',
    onError: 'no-enrichment',
    onRequest(flow) {
      if (leaking && flow.subscriber) flow.headers.push('X-Up-Calling-Line-ID', flow.subscriber.msisdn.slice(1));
      return { kind: 'continue' };
    },
  };
  const lab = await startLab({
    edit: (y) => y + '\ncanary:\n  intervalSeconds: 1\n',
    transformPipeline: beforeGuard(leak),
  });
  const dir = mkdtempSync(join(tmpdir(), 'hedge-prom-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(resolve('deploy/prometheus/alerts.yml'))}
scrape_configs:
  - job_name: hedge
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:${lab.gw.adminAddress.port}"]
`,
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promLog = '';
  prom.stderr.setEncoding('utf8').on('data', (c: string) => (promLog = (promLog + c).slice(-4000)));
  const exited = new Promise<void>((r) => prom.once('exit', () => r()));
  const api = `http://127.0.0.1:${port}`;
  try {
    await until('Prometheus ready', async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${promLog}`);
    });
    // The target is up and the canary passes: the alert is not active.
    await until(
      'the gateway scraped',
      async () => {
        const r = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent('hedge_canary_last_run_ok{job="hedge"}')}`)).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return r.data.result[0]?.value[1] === '1' ? true : undefined;
      },
      30_000,
    );
    const before = (await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } };
    assert.ok(!before.data.alerts.some((a) => a.labels.alertname === 'HedgeCanaryFailing'), 'no alert while the canary passes');

    leaking = true; // the next canary run (every second) finds the number at a non-partner site
    const firing = await until(
      'HedgeCanaryFailing firing',
      async () => {
        const r = (await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } };
        return r.data.alerts.find((a) => a.labels.alertname === 'HedgeCanaryFailing' && a.state === 'firing');
      },
      60_000,
    );
    assert.equal(firing.labels.severity, 'critical');
    assert.equal(firing.labels.job, 'hedge');
    assert.equal(firing.labels.instance, `127.0.0.1:${lab.gw.adminAddress.port}`);
  } finally {
    leaking = false;
    prom.kill('SIGTERM');
    const t = setTimeout(() => prom.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
    await lab.close();
  }
});
