// Issue "Real subscriber sessions", acceptance: `hedge start --workers 2`
// serves and enriches correctly. The memory store is kept consistent across
// workers: a binding made through RADIUS (the primary) or through one worker's
// admin API is used by every worker as soon as it is acknowledged.
import { test, before, after } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { NAS_SECRET, radiusYaml } from '../helpers/radius.js';
import { portOf, spawnHedge, writeConfig, type HedgeProcess } from '../helpers/hedge-process.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';

let origin: EchoOrigin;
let node: HedgeProcess;
let cleanup: () => void;
let proxy: number;
let adminUrl: string;
let radius: number;
const ROUNDS = 12; // new connection per request: the cluster spreads them over both workers

before(async () => {
  origin = await startEchoOrigin('127.0.0.1', 0);
  const yaml = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0')
    .replace(/^partners:/m, radiusYaml() + 'partners:');
  const cfg = writeConfig(yaml);
  cleanup = cfg.cleanup;
  node = spawnHedge(['start', '-c', cfg.file, '--workers', '2']);
  const primary = await node.waitFor((l) => l.msg === 'hedge cluster started', 90_000);
  radius = portOf(primary.radius);
  await node.waitFor((l) => l.msg === 'hedge started' && node.lines.filter((x) => x.msg === 'hedge started').length >= 2, 90_000);
  const started = node.lines.filter((l) => l.msg === 'hedge started');
  assert.equal(new Set(started.map((l) => l.node)).size, 2, 'two distinct worker processes');
  assert.equal(new Set(started.map((l) => l.proxy)).size, 1, 'sharing one proxy port');
  proxy = portOf(started[0]!.proxy);
  adminUrl = `http://127.0.0.1:${portOf(started[0]!.admin)}`;
});

after(async () => {
  await node?.stop();
  cleanup?.();
  await origin?.close();
});

async function numbersAt(source: string): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await viaProxy({ port: proxy }, 'http://my.operator.example/', { localAddress: source });
    assert.equal(r.status, 200);
    out.push(r.json().headers['x-msisdn'] as string | undefined);
  }
  return out;
}

test('--workers 2: static bindings enrich on every worker', async () => {
  assert.deepEqual(await numbersAt('127.0.0.1'), Array(ROUNDS).fill('+447700900123'));
});

test('--workers 2: a RADIUS Start (owned by the primary) is used by every worker once acknowledged; Stop too', async () => {
  await sendAccounting('127.0.0.1', radius, NAS_SECRET, { status: 'start', framedIp: '10.0.0.51', msisdn: '447700900251', sessionId: 'w-251' });
  assert.deepEqual(await numbersAt('127.0.0.51'), Array(ROUNDS).fill('+447700900251'));
  await sendAccounting('127.0.0.1', radius, NAS_SECRET, { status: 'stop', framedIp: '10.0.0.51', sessionId: 'w-251' });
  assert.deepEqual(await numbersAt('127.0.0.51'), Array(ROUNDS).fill(undefined));
});

test('--workers 2: a binding set through one worker admin API is used by all; removal too', async () => {
  const put = await fetch(`${adminUrl}/bindings/127.0.0.52`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn: '+447700900252' }) });
  assert.equal(put.status, 201);
  assert.deepEqual(await numbersAt('127.0.0.52'), Array(ROUNDS).fill('+447700900252'));
  for (let i = 0; i < 4; i++) {
    const got = (await (await fetch(`${adminUrl}/bindings/127.0.0.52`)).json()) as { msisdn: string };
    assert.equal(got.msisdn, '+447700900252', 'every worker admin API sees it');
  }
  assert.equal((await fetch(`${adminUrl}/bindings/127.0.0.52`, { method: 'DELETE' })).status, 204);
  assert.deepEqual(await numbersAt('127.0.0.52'), Array(ROUNDS).fill(undefined));
});

test('--workers 2: /metrics answers with the whole cluster (both workers and the RADIUS listener)', async () => {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const enriched = Number(/hedge_requests_total\{outcome="enriched"\} (\d+)/.exec(text)?.[1] ?? NaN);
  assert.ok(enriched >= ROUNDS * 3, `requests of both workers are counted (${enriched})`);
  assert.match(text, /hedge_radius_packets_total\{result="accepted"\} [1-9]/);
  assert.match(text, /hedge_cluster_workers 2/);
  assert.ok(!/447700900/.test(text));
  // The primary's registry is merged with the workers', not appended: a metric both count (hedge_alerts_total) is one family.
  const families = text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2]!);
  assert.deepEqual(
    families.filter((n, i) => families.indexOf(n) !== i),
    [],
    'every metric exported once',
  );
  assert.match(text, /^# TYPE hedge_alerts_total counter$/m);
});

test('--workers 2: state gauges are combined across workers, not summed (the alerts on them must still fire)', async () => {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  // A sum would read 2 for "ok" and a date twice today for the timestamp: HedgeCanaryFailing / HedgeCanaryNotRunning could never fire.
  assert.equal(value('hedge_canary_last_run_ok'), 1);
  const lastRun = value('hedge_canary_last_run_timestamp_seconds');
  assert.ok(Math.abs(lastRun - Date.now() / 1000) < 3600, `the stalest worker's canary run, a date near now (${lastRun})`);
  assert.equal(value('hedge_enrichment_enabled'), 1);
  assert.equal(value('hedge_policy_info'), 1);
  assert.equal(value('hedge_bindings'), 2, 'each worker holds the same two static bindings');
  assert.match(text, /hedge_cluster_workers 2/);
});

test('--workers 2 without keys.file: every worker signs with the same per-run key and publishes the same JWKS', async () => {
  const kids = new Set<string>();
  for (let i = 0; i < ROUNDS; i++) {
    const r = await viaProxy({ port: proxy }, 'http://my.operator.example/');
    const input = r.json().headers['signature-input'] as string;
    kids.add(/keyid="([^"]+)"/.exec(input)![1]!);
  }
  assert.equal(kids.size, 1, 'one signing key across workers');
  const jwks = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const text = await new Promise<string>((resolve, reject) => {
      http
        .get(`${adminUrl}/.well-known/jwks.json`, { agent: false }, (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve(t));
        })
        .on('error', reject);
    });
    jwks.add(JSON.stringify((JSON.parse(text) as { keys: { kid: string }[] }).keys.map((k) => k.kid)));
  }
  assert.deepEqual([...jwks], [JSON.stringify([...kids])]);
});
