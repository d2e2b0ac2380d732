#!/usr/bin/env node
// npm run soak -- --minutes 10 — one hedge process under a mixed load for a
// given time, sampled as it goes (issue 18):
//   - load: partner requests (X-MSISDN added, audited) and non-partner requests
//     at fixed rates over a fixed set of keep-alive connections each
//     (bench/tools/fixed-rate.mjs), from 127.0.0.1 (a static binding);
//   - RADIUS session churn: Start/Stop accounting for other addresses, every second;
//   - a policy reload every minute (SIGHUP);
//   - Redis binding store (REDIS_URL or 127.0.0.1:6379, a key prefix of its own);
//   - audit on (SQLite in a temporary folder).
// Every --sample seconds (default 10): RSS, V8 heap used, open file descriptors,
// event-loop delay p99 (the gateway's own metrics), audit disclosure records for
// the partner and the number of X-MSISDN the partner's origin received.
// Prints a table and the growth after warm-up (the first fifth of the run;
// medians of its two halves), and
// writes a PNG plot (an SVG chart rendered in Chromium through playwright-core)
// to --png (default bench/soak.png). Options: --minutes M (default 10),
// --rate R partner req/s (default 200; non-partner the same), --connections N
// per generator (default 16), --sample S.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';
import { freePort, waitPort } from './tools/ports.mjs';
import { pointDemoAt } from './tools/demo-config.mjs';
import { median } from './tools/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (k, d) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : d;
};
const MINUTES = Number(opt('minutes', 10));
const RATE = Number(opt('rate', 200));
const SAMPLE_S = Number(opt('sample', 10));
const CONNECTIONS = Number(opt('connections', 16));
const PNG = opt('png', join(root, 'bench', 'soak.png'));
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const work = mkdtempSync(join(tmpdir(), 'hedge-soak-'));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The origin: the partner's own count of the identities it received.
let partnerReceived = 0;
const origin = http.createServer((req, res) => {
  if (req.headers['x-msisdn']) partnerReceived++;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
  res.end('ok');
});
await new Promise((r) => origin.listen(0, '127.0.0.1', r));
const originPort = origin.address().port;

const [proxyPort, adminPort, radiusPort] = [await freePort(), await freePort(), await freePort()];
const secret = 'soak-radius-secret-0123456789';
spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'audit', 'keygen', '--key-file', join(work, 'audit.key'), '--signing-key-file', join(work, 'audit-sign.pem')], {
  stdio: 'inherit',
});
const cfg = join(work, 'hedge.yaml');
writeFileSync(
  cfg,
  pointDemoAt(readFileSync(join(root, 'examples', 'demo.yaml'), 'utf8'), { originPort, port: proxyPort, admin: adminPort }).replace(
    '  store: memory\n',
    `  store: ${REDIS}\n  redis: { keyPrefix: "hedge-soak-${process.pid}:" }\n`,
  ) +
    `radius:\n  listen: 127.0.0.1:${radiusPort}\n  clients:\n    - { name: soak, address: 127.0.0.1, secret: "${secret}" }\n` +
    `audit:\n  store: sqlite:${join(work, 'audit.db')}\n  keyFile: ${join(work, 'audit.key')}\n  signingKeyFile: ${join(work, 'audit-sign.pem')}\n`,
);
const gw = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'start', '--config', cfg], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' },
});
children.add(gw);
let gwErr = '';
let errorLines = 0;
// Error and warning lines by message (logs never carry identifiers, so the message says what happened).
const logged = new Map();
let partial = '';
gw.stderr.on('data', (d) => {
  gwErr = (gwErr + d).slice(-4000);
  const lines = (partial + d).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    const level = /"level":"(\w+)"/.exec(line)?.[1];
    if (level !== 'error' && level !== 'fatal' && level !== 'warn') continue;
    if (level !== 'warn') errorLines++;
    const key = `${level}: ${/"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line.slice(0, 120)}`;
    logged.set(key, (logged.get(key) ?? 0) + 1);
  }
});
gw.once('exit', (code) => {
  if (!stopping) {
    console.error(`hedge exited (${code}) during the soak:\n${gwErr}`);
    process.exit(1);
  }
});
let stopping = false;
await waitPort(proxyPort, 20000).catch((e) => {
  console.error(`${e.message}\n${gwErr}`);
  process.exit(1);
});

const { sendAccounting } = await import(pathToFileURL(join(root, 'dist', 'identity', 'radius', 'sender.js')).href);
const Database = (await import('better-sqlite3')).default;

// Load: two fixed-rate generators for the whole run, each on a fixed set of
// connections (a generator that opened more when answers were slow would add
// client descriptors the gateway must hold, and the fds column would measure it).
const seconds = Math.round(MINUTES * 60);
const gens = ['http://my.operator.example/', 'http://news.example/'].map((target) => {
  const argv = [
    '--url',
    target,
    '--via',
    `127.0.0.1:${proxyPort}`,
    '--local-address',
    '127.0.0.1',
    '--rate',
    String(RATE),
    '--seconds',
    String(seconds),
    '--connections',
    String(CONNECTIONS),
  ];
  const c = spawn(process.execPath, [join(root, 'bench', 'tools', 'fixed-rate.mjs'), ...argv], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(c);
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  return new Promise((r) => c.once('exit', () => r(JSON.parse(out.trim().split('\n').pop() || '{}'))));
});

// RADIUS churn: a session starts and one stops every second (addresses 127.0.2.x).
// Numbers from Ofcom's drama range (+44 7700 900000–900999), which hedge accepts
// as test numbers (src/subscriber/fictional-numbers.ts); numbers outside it that
// libphonenumber does not know as valid are refused, with a warning each.
const churnNumber = (i) => `+447700900${300 + (i % 200)}`;
let radiusSent = 0;
let radiusFailed = 0;
let churn = 0;
const churnTimer = setInterval(() => {
  const i = churn++;
  const ip = `127.0.2.${1 + (i % 200)}`;
  const msisdn = churnNumber(i);
  const m = { status: 'start', framedIp: ip, msisdn, sessionId: `soak-${i}` };
  sendAccounting('127.0.0.1', radiusPort, secret, m, { timeoutMs: 1000, retries: 1 })
    .then(() => radiusSent++)
    .catch(() => radiusFailed++);
  if (i >= 100) {
    const j = i - 100;
    sendAccounting(
      '127.0.0.1',
      radiusPort,
      secret,
      { status: 'stop', framedIp: `127.0.2.${1 + (j % 200)}`, msisdn: churnNumber(j), sessionId: `soak-${j}` },
      { timeoutMs: 1000, retries: 1 },
    )
      .then(() => radiusSent++)
      .catch(() => radiusFailed++);
  }
}, 1000);

// A policy reload every minute.
let reloads = 0;
const reloadTimer = setInterval(() => {
  gw.kill('SIGHUP');
  reloads++;
}, 60_000);

function metric(text, name) {
  // The gateway's registry prefixes Node's default metrics with hedge_process_.
  const m = new RegExp(`^(?:hedge_process_)?${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

const db = () => new Database(join(work, 'audit.db'), { readonly: true, fileMustExist: true });
const samples = [];
const t0 = Date.now();
async function sample() {
  const status = readFileSync(`/proc/${gw.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const fds = readdirSync(`/proc/${gw.pid}/fd`).length;
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  let audited = NaN;
  try {
    const d = db();
    audited = d.prepare("SELECT count(*) AS n FROM audit_records WHERE type = 'disclosure' AND partner = 'selfcare'").get().n;
    d.close();
  } catch {
    /* not created yet */
  }
  const s = {
    t: Math.round((Date.now() - t0) / 1000),
    rssMb: +rss.toFixed(1),
    heapMb: +(metric(text, 'nodejs_heap_size_used_bytes') / 1048576).toFixed(1),
    fds,
    // Client connections are fds too (a fixed number: each generator keeps its own set open).
    conns: metric(text, 'hedge_client_connections'),
    eldP99Ms: +(metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1),
    audited,
    received: partnerReceived,
  };
  samples.push(s);
  process.stderr.write(`  t=${s.t}s rss ${s.rssMb} MB heap ${s.heapMb} MB fds ${s.fds} (client ${s.conns}) eld p99 ${s.eldP99Ms} ms audited ${s.audited} received ${s.received}\n`);
}
process.stderr.write(
  `hedge soak: ${MINUTES} min, ${RATE} req/s partner + ${RATE} req/s non-partner, RADIUS churn 1 start + 1 stop/s, SIGHUP reload every 60 s, Redis ${REDIS.replace(/\/\/[^@]*@/, '//…@')}, audit SQLite\n`,
);
await sample();
const sampler = setInterval(() => void sample().catch(() => {}), SAMPLE_S * 1000);
const [partner, nonPartner] = await Promise.all(gens);
clearInterval(sampler);
clearInterval(churnTimer);
clearInterval(reloadTimer);
await sleep(1500); // let the last audit batch commit
await sample();
stopping = true;
gw.kill('SIGTERM');
await new Promise((r) => gw.once('exit', r));
origin.close();

// After the gateway stopped: every identity the partner received must have its record.
const d = db();
const finalAudited = d.prepare("SELECT count(*) AS n FROM audit_records WHERE type = 'disclosure' AND partner = 'selfcare'").get().n;
d.close();

// Growth after warm-up (the first fifth of the run): the median of the samples
// in the first half of what follows against the median of the second half.
// Single samples would compare noise: the upstream keep-alive pool opens and
// closes connections with the load's jitter, so the descriptor count moves by
// tens between neighbouring samples without any trend.
const underLoad = samples.slice(0, -1);
const afterWarmUp = underLoad.filter((s) => s.t >= seconds / 5);
const halves = [afterWarmUp.slice(0, Math.floor(afterWarmUp.length / 2)), afterWarmUp.slice(Math.floor(afterWarmUp.length / 2))];
const otherFds = (x) => x.fds - (Number.isFinite(x.conns) ? x.conns : 0);
const trend = (label, f) => {
  const [a, b] = halves.map((h) => median(h.map(f)));
  const max = halves.map((h) => Math.max(...h.map(f)));
  return `${label} ${a} → ${b} (${((100 * (b - a)) / a).toFixed(1)} %; max ${max[0]} → ${max[1]})`;
};
console.log(`\nhedge soak — ${new Date().toISOString()}, ${MINUTES} min, node ${process.version}`);
console.log('| t s | RSS MB | heap MB | fds | client conns | event-loop p99 ms | audit records | partner received |');
console.log('|----:|-------:|--------:|----:|-------------:|------------------:|--------------:|-----------------:|');
for (const s of samples) console.log(`| ${s.t} | ${s.rssMb} | ${s.heapMb} | ${s.fds} | ${s.conns} | ${s.eldP99Ms} | ${s.audited} | ${s.received} |`);
console.log('(the last row is after the load stopped)');
console.log(
  `\nafter warm-up, median of the first half vs the second (t=${halves[0][0]?.t}–${halves[0].at(-1)?.t}s vs ${halves[1][0]?.t}–${halves[1].at(-1)?.t}s; target growth ≤ 5 %): ` +
    `${trend('RSS MB', (x) => x.rssMb)}; ${trend('fds', (x) => x.fds)}; ${trend('fds other than client connections', otherFds)}`,
);
console.log(
  `partner received ${partnerReceived} identities; audit disclosure records for it: ${finalAudited} (${finalAudited >= partnerReceived ? 'every one audited' : `${partnerReceived - finalAudited} MISSING`})`,
);
console.log(`load: partner ${JSON.stringify(partner)}`);
// Every partner request comes from a bound address, so each one answered should have carried the identity.
console.log(`partner requests answered ${partner.ok ?? NaN}, of which the origin saw without X-MSISDN: ${(partner.ok ?? NaN) - partnerReceived}`);
console.log(`load: non-partner ${JSON.stringify(nonPartner)}`);
console.log(`RADIUS: ${radiusSent} accounting messages answered, ${radiusFailed} failed; policy reloads: ${reloads}; gateway error log lines: ${errorLines}`);
for (const [what, n] of [...logged].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${what}`);

await plot(samples, PNG).then(
  () => console.log(`plot: ${PNG}`),
  (err) => console.log(`plot: not written (${err.message})`),
);

async function plot(rows, file) {
  const W = 900;
  const H = 220;
  const series = [
    ['rssMb', 'RSS MB', '#1f77b4'],
    ['heapMb', 'heap used MB', '#2ca02c'],
    ['fds', 'open fds', '#d62728'],
    ['eldP99Ms', 'event-loop delay p99 ms', '#9467bd'],
  ];
  const tMax = Math.max(1, ...rows.map((r) => r.t));
  const charts = series
    .map(([k, label, color], i) => {
      const vals = rows.map((r) => r[k]).filter(Number.isFinite);
      const max = Math.max(1, ...vals) * 1.1;
      const pts = rows.filter((r) => Number.isFinite(r[k])).map((r) => `${(50 + (r.t / tMax) * (W - 70)).toFixed(1)},${(H - 30 - (r[k] / max) * (H - 50)).toFixed(1)}`);
      return `<svg x="0" y="${i * H}" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#fff"/><text x="50" y="16" font-size="13" font-family="sans-serif">${label} (max ${Math.max(...vals).toFixed(1)})</text><line x1="50" y1="${H - 30}" x2="${W - 20}" y2="${H - 30}" stroke="#999"/><line x1="50" y1="20" x2="50" y2="${H - 30}" stroke="#999"/><text x="${W - 60}" y="${H - 12}" font-size="11" font-family="sans-serif">${tMax}s</text><text x="8" y="24" font-size="11" font-family="sans-serif">${max.toFixed(0)}</text><polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/></svg>`;
    })
    .join('');
  const html = `<html><body style="margin:0"><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H * series.length}">${charts}</svg></body></html>`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H * series.length } });
    await page.setContent(html);
    await page.screenshot({ path: file });
  } finally {
    await browser.close();
  }
}
process.exit(0);
