#!/usr/bin/env node
// npm run bench — throughput and latency of hedge against its peers, in one run,
// on this machine, with the same origin and the same load tool for every row.
//
//   rows: direct to origin · hedge non-partner · hedge enriching partner ·
//         nginx as an enriching proxy · Squid as an enriching proxy
//   (+ rows contributed by bench/rows/*.mjs modules)
//
// Prints requests/s, p50/p99 latency, proxy CPU µs per request and peak RSS per
// row, with ratios to nginx. Options: --duration S (default 10), --connections N
// (default 50), --json FILE, --only NAME[,NAME]. Peers that are not installed
// are skipped, saying so. Everything listens on 127.0.0.1 and stops by itself.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseCliArgs } from 'node:util';
import { freePort, waitPort } from './tools/ports.mjs';
import { allowedCpus } from './tools/cpus.mjs';
import { CLK_TCK, treePids, cpuTicks } from './tools/proc.mjs';
import { startOrigin as startSharedOrigin, which } from './tools/origin.mjs';
import { pointDemoAt } from './tools/demo-config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: npm run bench -- [--duration S] [--connections N] [--only NAME[,NAME]] [--json FILE] [--idle N] [--overload-inflight N] [--overload-generators N] [--overload-warm N] [--overload-loop-turn-ms N] [--floor-idle N]
  --duration S      seconds per row (default 10)
  --connections N   concurrent connections of the load tool (default 50)
  --only NAMES      only the rows whose name contains one of these (comma-separated), e.g. "front door,signatures"
  --json FILE       also write the rows as JSON
  --idle N          scale rows: idle keep-alive connections held (default 18000)
  --overload-inflight N  scale rows: the gateway's maxInFlightRequests during the 2x-capacity overload (default 256)
  --overload-generators N, --overload-warm N, --overload-loop-turn-ms N  see bench/rows/scale.mjs
  --floor-idle N    floor rows: idle keep-alive connections held to each of hedge, two bare proxies and nginx (default 10000, 0: none)
  (--only overload: the overload rows alone; --only floor: hedge next to bare Node proxies and nginx, bench/rows/floor.mjs)`;
const args = parseArgs(process.argv.slice(2));
const DURATION = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 50);
const ONLY = args.only ? String(args.only).split(',') : undefined;
const work = mkdtempSync(join(tmpdir(), 'hedge-bench-'));
const children = new Set();

/** Strict options: a mistyped option stops the run with the usage instead of starting a 10-minute benchmark. */
function parseArgs(argv) {
  try {
    const { values } = parseCliArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        connections: { type: 'string' },
        only: { type: 'string' },
        json: { type: 'string' },
        idle: { type: 'string' },
        'overload-inflight': { type: 'string' },
        'overload-generators': { type: 'string' },
        'overload-warm': { type: 'string' },
        'overload-loop-turn-ms': { type: 'string' },
        'floor-idle': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    for (const k of ['duration', 'connections', 'idle', 'overload-inflight', 'overload-generators'])
      if (values[k] !== undefined && !(Number(values[k]) > 0)) throw new Error(`--${k} must be a positive number, not "${values[k]}"`);
    for (const k of ['overload-warm', 'overload-loop-turn-ms', 'floor-idle'])
      if (values[k] !== undefined && !(Number(values[k]) >= 0)) throw new Error(`--${k} must be a number ≥ 0, not "${values[k]}"`);
    return values;
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
}

function start(cmd, argv, opts = {}) {
  const c = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  let err = '';
  c.stderr?.on('data', (d) => (err = (err + d).slice(-4000)));
  c.lastErr = () => err;
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

async function stop(c) {
  if (!c || c.exitCode !== null) return;
  await new Promise((r) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    c.once('exit', () => (clearTimeout(t), r()));
    c.kill('SIGTERM');
  });
}

function cleanup() {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', cleanup);
process.on('SIGINT', () => (cleanup(), process.exit(130)));

function peakRssMb(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

// ---------------------------------------------------------------- load tool
const WRK = which('wrk');
const AUTOCANNON = existsSync(join(root, 'node_modules', '.bin', 'autocannon')) ? join(root, 'node_modules', '.bin', 'autocannon') : undefined;

function luaScript(path, host) {
  const f = join(work, `req-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(f, `wrk.method = "GET"\nwrk.path = "${path}"\nwrk.headers["Host"] = "${host}"\n`);
  return f;
}

/**
 * Runs the load tool against port with the given request target; returns {rps, p50Ms, p99Ms, requests, errors}.
 * `cpus` (a taskset CPU list, from pinApart) keeps the load tool on those CPUs.
 */
function load(port, path, host, seconds, address = '127.0.0.1', cpus = undefined) {
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  if (WRK) {
    const argv = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', luaScript(path, host), base];
    const r =
      cpus && TASKSET
        ? spawnSync(TASKSET, ['-c', cpus, WRK, ...argv], { encoding: 'utf8', timeout: (seconds + 30) * 1000 })
        : spawnSync(WRK, argv, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
    const out = r.stdout;
    const num = (re) => {
      const m = re.exec(out);
      return m ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 }[m[2]] ?? 1) : NaN;
    };
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
      p50Ms: num(/\s50%\s+([\d.]+)(us|ms|s)/),
      p99Ms: num(/\s99%\s+([\d.]+)(us|ms|s)/),
      requests,
      errors,
    };
  }
  if (AUTOCANNON) {
    const r = spawnSync(AUTOCANNON, ['-j', '-c', String(CONNECTIONS), '-d', String(seconds), '-H', `Host=${host}`, `${base}${path.startsWith('/') ? path : ''}`], {
      encoding: 'utf8',
      timeout: (seconds + 30) * 1000,
    });
    const j = JSON.parse(r.stdout);
    return { rps: j.requests.average, p50Ms: j.latency.p50, p99Ms: j.latency.p99, requests: j.requests.total, errors: j.errors + j.non2xx };
  }
  throw new Error('no load tool: install wrk (apt-get install wrk) or autocannon (npm i -D autocannon)');
}

// ---------------------------------------------------------------- CPU pinning
const TASKSET = which('taskset');

/**
 * Pins a gateway's process tree (every thread) to the first CPU this bench may
 * use and the origin's to the others, for rows that compare one gateway
 * against itself: the load tool and the origin then no longer take turns with
 * the gateway on its core, which on this shared 2-core machine moved single
 * rows by ±20 %. Returns the CPU list to give `load` (cpus) and a `restore`
 * that gives the origin every CPU again, or undefined when taskset is missing
 * or fewer than two CPUs are allowed (the rows then run unpinned).
 */
function pinApart(gatewayPid) {
  const cpus = allowedCpus();
  if (!TASKSET || cpus.length < 2) return undefined;
  const [first, ...others] = cpus;
  const set = (pid, list) => spawnSync(TASKSET, ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' }).status === 0;
  if (!treePids(gatewayPid).every((pid) => set(pid, String(first)))) return undefined;
  for (const pid of treePids(originRef.proc.pid)) set(pid, others.join(','));
  return { gatewayCpu: first, loadCpus: others.join(','), restore: () => treePids(originRef.proc.pid).forEach((pid) => set(pid, cpus.join(','))) };
}

// ---------------------------------------------------------------- origin
const NGINX = which('nginx');
const SQUID = which('squid');
const startOrigin = () => startSharedOrigin(work, start);

// ---------------------------------------------------------------- proxies
async function startHedge(originPort, extraYaml = '') {
  const port = await freePort();
  const admin = await freePort();
  const cfg = join(work, `hedge-${port}.yaml`);
  const demo = pointDemoAt(readFileSync(join(root, 'examples', 'demo.yaml'), 'utf8'), { originPort, port, admin });
  writeFileSync(cfg, demo + extraYaml);
  const c = start(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'start', '--config', cfg], { env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' } });
  await waitPort(port).catch((e) => {
    throw new Error(`hedge did not start: ${e.message}\n${c.lastErr()}`);
  });
  return { port, proc: c };
}

async function startNginxProxy(originPort, workerConnections = 4096) {
  const port = await freePort();
  const dir = join(work, 'nginx-proxy');
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
worker_rlimit_nofile ${Math.max(8192, workerConnections)};
events { worker_connections ${workerConnections}; }
http { access_log off; keepalive_requests 100000; keepalive_timeout 600s;
  map $remote_addr $msisdn { 127.0.0.1 "+447700900123"; default ""; }
  map $host $partner_msisdn { my.operator.example $msisdn; default ""; }
  upstream origin { server 127.0.0.1:${originPort}; keepalive 64; }
  server { listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-MSISDN $partner_msisdn;
      proxy_set_header X-Up-Calling-Line-ID "";
      proxy_set_header Via "1.1 nginx";
    } } }\n`,
  );
  const c = start(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  await waitPort(port);
  return { port, proc: c };
}

async function startSquid(originPort) {
  const port = await freePort();
  const dir = join(work, 'squid');
  spawnSync('mkdir', ['-p', dir]);
  spawnSync('chmod', ['777', dir]);
  writeFileSync(
    join(dir, 'squid.conf'),
    `http_port 127.0.0.1:${port}
pid_filename ${dir}/squid.pid
cache_log ${dir}/cache.log
access_log none
cache_store_log none
logfile_rotate 0
coredump_dir ${dir}
cache_mem 8 MB
store_miss deny all
send_hit deny all
acl subscriber src 127.0.0.1
acl partner dstdomain my.operator.example
http_access allow all
cache_peer 127.0.0.1 parent ${originPort} 0 no-query originserver name=origin
never_direct allow all
request_header_access X-MSISDN deny all
request_header_access X-Up-Calling-Line-ID deny all
request_header_add X-MSISDN "+447700900123" subscriber partner
via on
forwarded_for delete
shutdown_lifetime 0 seconds
workers 1
`,
  );
  const c = start(SQUID, ['-N', '-f', join(dir, 'squid.conf')]);
  await waitPort(port, 30000).catch((e) => {
    throw new Error(`squid did not start: ${e.message}\n${c.lastErr()}`);
  });
  return { port, proc: c };
}

// ---------------------------------------------------------------- rows
async function measure(name, proxy, path, host, note) {
  const pids = proxy ? treePids(proxy.proc.pid) : [];
  // Short warm-up so JIT and connection pools are settled before measuring.
  // proxy.address: where the load tool connects from and to (an IPv6 row uses ::1).
  load(proxy ? proxy.port : originRef.port, path, host, Math.min(2, DURATION), proxy?.address);
  const before = cpuTicks(pids);
  const r = load(proxy ? proxy.port : originRef.port, path, host, DURATION, proxy?.address);
  const cpu = ((cpuTicks(pids) - before) / CLK_TCK) * 1e6;
  const row = {
    name,
    rps: Math.round(r.rps),
    p50Ms: round(r.p50Ms, 3),
    p99Ms: round(r.p99Ms, 3),
    cpuUsPerRequest: proxy && r.requests ? round(cpu / r.requests, 1) : null,
    rssMb: proxy ? round(peakRssMb(treePids(proxy.proc.pid)), 1) : null,
    errors: r.errors,
    note,
  };
  rows.push(row);
  process.stderr.write(`  ${name}: ${row.rps} req/s, p99 ${row.p99Ms} ms${row.errors ? `, ${row.errors} errors` : ''}\n`);
  return row;
}

function round(n, d) {
  return Number.isFinite(n) ? Number(n.toFixed(d)) : null;
}

const rows = [];
const skipped = [];
/** Extra tables from rows modules (memory / connections / overload), printed after the main one. */
const sections = [];
let originRef;
const want = (n) => !ONLY || ONLY.some((o) => n.includes(o));

async function main() {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm run bench does)');
  if (!WRK && !AUTOCANNON) throw new Error('no load tool: install wrk (apt-get install wrk) or autocannon');
  process.stderr.write(`hedge bench: ${DURATION}s per row, ${CONNECTIONS} connections, load tool ${WRK ? 'wrk' : 'autocannon'}\n`);
  originRef = await startOrigin();
  process.stderr.write(`  origin: ${originRef.kind} on 127.0.0.1:${originRef.port}, 1 KiB body\n`);

  if (want('direct')) await measure('direct to origin', undefined, '/', 'news.example', 'no proxy');

  if (want('hedge')) {
    // One extra partner without the signature header, so the cost of enrichment
    // itself and the cost of the Ed25519 signature show as separate rows.
    const unsigned = `  - id: bench-unsigned
    name: Unsigned legacy partner (bench)
    purpose: self-care
    hosts: [legacy.operator.example]
    signature: off
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
`;
    const h = await startHedge(originRef.port, unsigned);
    await measure('hedge non-partner', h, 'http://news.example/', 'news.example', 'strip + lookup, nothing added');
    await measure('hedge partner (raw msisdn, unsigned)', h, 'http://legacy.operator.example/', 'legacy.operator.example', 'X-MSISDN added, signature: off');
    await measure('hedge partner (raw msisdn)', h, 'http://my.operator.example/', 'my.operator.example', 'X-MSISDN + Ed25519 signature added');
    await measure('hedge partner (pseudonym)', h, 'http://pay.billing.example/', 'pay.billing.example', 'HMAC alias added');
    await stop(h.proc);
  }

  // Rows contributed by other capabilities (bench/rows/*.mjs): each exports
  // `async function rows(ctx)` and calls ctx.measure(...) for its rows.
  const rowsDir = join(root, 'bench', 'rows');
  if (existsSync(rowsDir)) {
    for (const f of readdirSync(rowsDir)
      .filter((x) => x.endsWith('.mjs'))
      .sort()) {
      const mod = await import(join(rowsDir, f));
      if (typeof mod.rows !== 'function') continue;
      try {
        await mod.rows({
          root,
          work,
          originPort: originRef.port,
          startHedge,
          stop,
          measure,
          want,
          freePort,
          waitPort,
          start,
          startNginxProxy: NGINX ? startNginxProxy : undefined,
          load,
          treePids,
          pinApart,
          section: (title, cols, cells) => sections.push({ title, cols, cells }),
          skip: (name, why) => skipped.push(`${name}: ${why}`),
          // For rows that drive their own load (HTTPS, POST, multi-step flows): add a finished row, read a process's CPU seconds.
          addRow: (row) => rows.push(row),
          cpuOf: (pid) => cpuTicks(treePids(pid)) / CLK_TCK,
          peakRssMb: (pid) => peakRssMb(treePids(pid)),
          duration: DURATION,
          connections: CONNECTIONS,
        });
      } catch (err) {
        skipped.push(`${f}: ${err.message}`);
      }
    }
  }

  if (want('nginx')) {
    if (NGINX) {
      const n = await startNginxProxy(originRef.port);
      await measure('nginx enriching proxy', n, 'http://my.operator.example/', 'my.operator.example', 'map $remote_addr + proxy_set_header');
      await stop(n.proc);
    } else skipped.push('nginx enriching proxy: nginx not installed (apt-get install nginx-light)');
  }
  if (want('squid')) {
    if (SQUID) {
      const s = await startSquid(originRef.port);
      await measure('squid enriching proxy', s, 'http://my.operator.example/', 'my.operator.example', 'request_header_add, cache off');
      await stop(s.proc);
    } else skipped.push('squid enriching proxy: squid not installed (apt-get install squid)');
  }
  await stop(originRef.proc);
  report();
}

function report() {
  const nginx = rows.find((r) => r.name === 'nginx enriching proxy');
  const cols = ['row', 'req/s', 'x nginx', 'p50 ms', 'p99 ms', 'CPU µs/req', 'x nginx CPU', 'RSS MB', 'errors'];
  const table = rows.map((r) => [
    r.name,
    String(r.rps),
    nginx ? (r.rps / nginx.rps).toFixed(2) : '-',
    String(r.p50Ms ?? '-'),
    String(r.p99Ms ?? '-'),
    r.cpuUsPerRequest == null ? '-' : String(r.cpuUsPerRequest),
    nginx && r.cpuUsPerRequest != null ? (r.cpuUsPerRequest / nginx.cpuUsPerRequest).toFixed(2) : '-',
    r.rssMb == null ? '-' : String(r.rssMb),
    String(r.errors),
  ]);
  const w = cols.map((c, i) => Math.max(c.length, ...table.map((t) => t[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  console.log(
    `\nhedge bench — ${new Date().toISOString()}, ${DURATION}s/row, ${CONNECTIONS} connections, ${WRK ? 'wrk' : 'autocannon'}, origin ${originRef.kind}, node ${process.version}`,
  );
  console.log(line(cols));
  console.log('|' + w.map((x, i) => (i === 0 ? '-'.repeat(x + 2) : '-'.repeat(x + 1) + ':')).join('|') + '|');
  for (const t of table) console.log(line(t));
  const np = rows.find((r) => r.name === 'hedge non-partner');
  const pr = rows.find((r) => r.name === 'hedge partner (raw msisdn, unsigned)');
  const signed = rows.find((r) => r.name === 'hedge partner (raw msisdn)');
  const sq = rows.find((r) => r.name === 'squid enriching proxy');
  if (np && pr) console.log(`\nenriched (unsigned)/non-partner throughput: ${(pr.rps / np.rps).toFixed(3)} (target >= 0.90)`);
  if (np && signed) console.log(`enriched + signature/non-partner throughput: ${(signed.rps / np.rps).toFixed(3)}`);
  if (np && nginx) console.log(`hedge non-partner / nginx: ${(np.rps / nginx.rps).toFixed(3)} (target >= 0.30)`);
  if (np && sq) console.log(`hedge non-partner / squid: ${(np.rps / sq.rps).toFixed(3)} (target > 1)`);
  for (const sec of sections) printTable(sec.title, sec.cols, sec.cells);
  for (const s of skipped) console.log(`skipped: ${s}`);
  if (args.json) {
    writeFileSync(String(args.json), JSON.stringify(rows, null, 2) + '\n');
    console.log(`rows written to ${args.json}`);
  }
}

function printTable(title, cols, cells) {
  const w = cols.map((c, i) => Math.max(c.length, ...cells.map((t) => String(t[i]).length)));
  const line = (cs) => '| ' + cs.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ') + ' |';
  console.log(`\n${title}`);
  console.log(line(cols));
  console.log('|' + w.map((x, i) => (i === 0 ? '-'.repeat(x + 2) : '-'.repeat(x + 1) + ':')).join('|') + '|');
  for (const t of cells) console.log(line(t));
}

main().catch((err) => {
  console.error(`bench failed: ${err.message}`);
  cleanup();
  process.exit(1);
});
