#!/usr/bin/env node
// npm run profile — where a request's CPU goes in hedge (issue 18, "faster hot
// path": profile the non-partner path, flame graph). One gateway on the demo
// config (with the signature bench's partners), pinned alone to the first CPU
// where taskset allows, wrk and the origin on the others; wrk warms it up, then
// V8's sampling profiler records a window of steady load only
// (tools/profile-hook.mjs) and the requests wrk completed in that window
// divide it. Prints µs per request by part (hedge's folders, Node's modules,
// npm packages, native code, GC) and by function, writes the .cpuprofile (open
// it in Chrome DevTools' Performance panel or speedscope) and a flame graph
// (SVG). `--against bare` profiles bench/tools/bare-proxy.mjs (Node's http
// server + undici, nothing else) the same way and prints hedge − bare per
// part and function: what hedge itself adds.
//
// The profiler costs time of its own (more at a finer --interval), so its
// figures are for comparing parts and builds, not for throughput: that is
// `npm run bench`. V8's profile counts a function TurboFan inlined as the time
// of the function it was inlined into (a hedge function inlined into Node's
// code shows as Node's); `--no-inlining` runs the profiled processes with
// --no-turbo-inlining, so every function's time is its own, at the price of
// the calls inlining saves.
//
// `--allocations` records V8's sampling heap profiler instead, over the same
// kind of window: bytes allocated per request by part and by allocating
// function (tools/allocation-report.mjs), and with `--against bare` hedge −
// bare. Garbage collection is the largest single item hedge adds above the
// bare proxy in the CPU profile; this shows which code allocates what it sweeps.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitPort } from './tools/ports.mjs';
import { allowedCpus } from './tools/cpus.mjs';
import { CLK_TCK, treePids, cpuTicks } from './tools/proc.mjs';
import { startOrigin, which } from './tools/origin.mjs';
import { pointDemoAt } from './tools/demo-config.mjs';
import { SIGNATURE_PARTNERS } from './rows/signatures.mjs';
import { loadProfile, perRequest, difference, flameGraphSvg } from './tools/cpu-profile-report.mjs';
import { allocationsPerRequest } from './tools/allocation-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: npm run profile -- [--host HOST] [--seconds S] [--warm S] [--connections N] [--against bare] [--no-inlining] [--allocations] [--interval N] [--top N] [--out DIR]
  --host HOST       the site requested through the gateway (default news.example: no partner). Partners:
                    my.operator.example (RFC 9421 ed25519), hmac.bench.example (hmac-sha256),
                    off.bench.example (unsigned), v1.bench.example (hedge-v1)
  --seconds S       the profiled window (default 10)       --warm S   load before it (default 3)
  --connections N   wrk connections (default 50)
  --against bare    also profile the bare Node proxy (http server + undici) and print hedge − bare
  --no-inlining     run the profiled processes with --no-turbo-inlining: an inlined function's time is
                    otherwise counted as its caller's; every figure grows by the calls inlining saves
  --allocations     bytes allocated per request (V8's sampling heap profiler) instead of CPU time
  --interval N      sampling interval: µs of CPU (default 100), or with --allocations bytes allocated (default 512)
  --top N           functions listed (default 25)
  --out DIR         where the profiles and flame graphs go (default: a new directory under the system's temp)`;

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      host: { type: 'string', default: 'news.example' },
      seconds: { type: 'string', default: '10' },
      warm: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      against: { type: 'string' },
      'no-inlining': { type: 'boolean', default: false },
      allocations: { type: 'boolean', default: false },
      interval: { type: 'string' },
      top: { type: 'string', default: '25' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (opts.help) {
    console.log(USAGE);
    process.exit(0);
  }
  opts.interval ??= opts.allocations ? '512' : '100';
  for (const k of ['seconds', 'warm', 'connections', 'interval', 'top']) if (!(Number(opts[k]) > 0)) throw new Error(`--${k} must be a positive number, not "${opts[k]}"`);
  if (opts.against !== undefined && opts.against !== 'bare') throw new Error(`--against takes "bare", not "${opts.against}"`);
  if (!/^[a-z0-9.-]+$/i.test(opts.host)) throw new Error(`--host must be a host name, not "${opts.host}"`);
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}

const WRK = which('wrk');
const TASKSET = which('taskset');
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) fail('run `npm run build` first (npm run profile does)');
if (!WRK) fail('wrk is not installed (apt-get install wrk): the profile needs a steady load');

const work = mkdtempSync(join(tmpdir(), 'hedge-profile-'));
const out = resolve(opts.out ?? join(work, 'out'));
mkdirSync(out, { recursive: true });
const children = new Set();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
process.on('SIGINT', () => process.exit(130));

function fail(message) {
  console.error(`profile: ${message}`);
  process.exit(1);
}

function start(cmd, argv, env = {}) {
  const c = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  c.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
  c.lastErr = () => err;
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

/** Resolves when the process has printed `text` on stderr (the hook's acknowledgements). */
function said(c, text, ms = 30_000) {
  return new Promise((resolve, reject) => {
    const check = () => c.lastErr().includes(text) && (clearInterval(t), clearTimeout(give), resolve());
    const t = setInterval(check, 20);
    const give = setTimeout(() => (clearInterval(t), reject(new Error(`no "${text}" from the profiled process:\n${c.lastErr()}`))), ms);
  });
}

function stop(c) {
  if (c.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('exit', () => (clearTimeout(t), r()));
    c.kill('SIGTERM');
  });
}

/** Every thread of a process tree on these CPUs (taskset -a); false when it could not be done. */
function pin(pid, cpus) {
  return treePids(pid).every((p) => spawnSync(TASKSET, ['-a', '-p', '-c', cpus, String(p)], { stdio: 'ignore' }).status === 0);
}

/** CPU time of a process (all its threads), µs. */
function cpuUs(pid) {
  return (cpuTicks([pid]) / CLK_TCK) * 1e6;
}

function wrk(port, seconds, cpus) {
  const lua = join(work, 'request.lua');
  writeFileSync(lua, `wrk.method = "GET"\nwrk.path = "http://${opts.host}/"\nwrk.headers["Host"] = "${opts.host}"\n`);
  const argv = ['-t1', `-c${opts.connections}`, `-d${seconds}s`, '-s', lua, `http://127.0.0.1:${port}`];
  const r = cpus ? spawnSync(TASKSET, ['-c', cpus, WRK, ...argv], { encoding: 'utf8' }) : spawnSync(WRK, argv, { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  return { requests, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0), errors: non2xx };
}

/** Starts one process under the hook, loads it, profiles the window; returns its figures. */
async function profileOne(label, argv, port, originProc) {
  const file = join(out, `${label}.${opts.allocations ? 'heapprofile' : 'cpuprofile'}`);
  const v8 = opts['no-inlining'] ? ['--no-turbo-inlining'] : [];
  const c = start(process.execPath, [...v8, '--import', join(root, 'bench', 'tools', 'profile-hook.mjs'), ...argv], {
    HEDGE_PROFILE_OUT: file,
    HEDGE_PROFILE_KIND: opts.allocations ? 'allocations' : 'cpu',
    HEDGE_PROFILE_INTERVAL: opts.interval,
    HEDGE_LOG_LEVEL: 'warn',
  });
  await waitPort(port).catch((e) => fail(`${label} did not start: ${e.message}\n${c.lastErr()}`));
  const cpus = allowedCpus();
  let loadCpus;
  if (TASKSET && cpus.length >= 2 && pin(c.pid, String(cpus[0])) && pin(originProc.pid, cpus.slice(1).join(','))) loadCpus = cpus.slice(1).join(',');
  else process.stderr.write(`  ${label}: not pinned (${TASKSET ? 'fewer than two CPUs' : 'no taskset'}): the load tool shares its CPU\n`);
  process.stderr.write(`  ${label}: warming up ${opts.warm} s, then profiling ${opts.seconds} s of ${opts.host}\n`);
  wrk(port, Number(opts.warm), loadCpus);
  c.kill('SIGWINCH');
  await said(c, 'profile started');
  const cpu0 = cpuUs(c.pid);
  const r = wrk(port, Number(opts.seconds), loadCpus);
  const cpu = cpuUs(c.pid) - cpu0;
  c.kill('SIGWINCH');
  await said(c, 'profile written');
  await stop(c);
  if (r.requests === 0) fail(`${label}: wrk completed no request`);
  const profile = loadProfile(file);
  if (opts.allocations) return { label, file, rps: r.rps, errors: r.errors, processCpuUs: cpu / r.requests, figures: allocationsPerRequest(profile, r.requests) };
  const figures = perRequest(profile, r.requests);
  const svg = join(out, `${label}-flame.svg`);
  writeFileSync(
    svg,
    flameGraphSvg(profile, { title: `${label}: ${opts.host}, ${r.requests} requests in ${opts.seconds} s (${r.rps.toFixed(0)} req/s under the profiler)`, requests: r.requests }),
  );
  return { label, file, svg, rps: r.rps, errors: r.errors, processCpuUs: cpu / r.requests, figures };
}

const f2 = (n) => n.toFixed(2).padStart(7);

function printOne(p) {
  if (opts.allocations) return printAllocations(p);
  const { figures: x } = p;
  console.log(`\n${p.label}: ${opts.host}, ${p.rps.toFixed(0)} req/s under the profiler, ${p.errors} non-2xx`);
  console.log(`  process CPU (all threads) ${p.processCpuUs.toFixed(1)} µs per request; main thread busy ${x.busyUs.toFixed(1)} µs (profiled, ${x.totalUs.toFixed(1)} with idle)`);
  console.log(`  profile ${p.file}\n  flame graph ${p.svg}`);
  console.log('\n  µs/req  part');
  for (const part of x.parts) if (part.us >= 0.05) console.log(`  ${f2(part.us)}  ${part.name}`);
  console.log('\n  µs/req  function (self time)');
  for (const fn of x.functions.slice(0, Number(opts.top))) console.log(`  ${f2(fn.us)}  ${fn.name}`);
}

const b6 = (n) => n.toFixed(0).padStart(7);

function printAllocations(p) {
  const { figures: x } = p;
  console.log(`\n${p.label}: ${opts.host}, ${p.rps.toFixed(0)} req/s under the profiler, ${p.errors} non-2xx`);
  console.log(`  ${x.totalBytes.toFixed(0)} bytes allocated per request (V8's estimate from a sample every ${opts.interval} bytes)`);
  console.log(`  profile ${p.file} (Chrome DevTools, Memory panel)`);
  console.log('\n  B/req  part');
  for (const part of x.parts) if (part.bytes >= 1) console.log(`  ${b6(part.bytes)}  ${part.name}`);
  console.log('\n  B/req  function (what it allocated itself)');
  for (const fn of x.functions.slice(0, Number(opts.top))) console.log(`  ${b6(fn.bytes)}  ${fn.name}`);
}

function printDifference(a, b) {
  if (opts.allocations) return printAllocationDifference(a, b);
  const d = difference(a.figures, b.figures);
  console.log(
    `\n${a.label} − ${b.label}: ${(a.figures.busyUs - b.figures.busyUs).toFixed(1)} µs of main-thread time per request (process CPU ${(a.processCpuUs - b.processCpuUs).toFixed(1)})`,
  );
  console.log(`\n  ${a.label.padStart(7)} ${b.label.padStart(7)}  a − b   part`);
  for (const r of d.parts) if (Math.abs(r.diff) >= 0.05) console.log(`  ${f2(r.a)} ${f2(r.b)} ${f2(r.diff)}  ${r.name}`);
  console.log(`\n  ${a.label.padStart(7)} ${b.label.padStart(7)}  a − b   function (self time), largest difference first`);
  for (const r of d.functions.slice(0, Number(opts.top))) console.log(`  ${f2(r.a)} ${f2(r.b)} ${f2(r.diff)}  ${r.name}`);
}

function printAllocationDifference(a, b) {
  const d = difference(a.figures, b.figures, 'bytes');
  console.log(`\n${a.label} − ${b.label}: ${(a.figures.totalBytes - b.figures.totalBytes).toFixed(0)} bytes allocated per request`);
  console.log(`\n  ${a.label.padStart(7)} ${b.label.padStart(7)}  a − b   part`);
  for (const r of d.parts) if (Math.abs(r.diff) >= 1) console.log(`  ${b6(r.a)} ${b6(r.b)} ${b6(r.diff)}  ${r.name}`);
  console.log(`\n  ${a.label.padStart(7)} ${b.label.padStart(7)}  a − b   function (what it allocated itself), largest difference first`);
  for (const r of d.functions.slice(0, Number(opts.top))) console.log(`  ${b6(r.a)} ${b6(r.b)} ${b6(r.diff)}  ${r.name}`);
}

const origin = await startOrigin(work, (cmd, argv) => start(cmd, argv));
const [port, admin] = [await freePort(), await freePort()];
const cfg = join(work, 'hedge.yaml');
writeFileSync(cfg, pointDemoAt(readFileSync(join(root, 'examples', 'demo.yaml'), 'utf8'), { originPort: origin.port, port, admin }) + SIGNATURE_PARTNERS);
process.stderr.write(
  `hedge profile: origin ${origin.kind}, ${opts.connections} connections, ${opts.allocations ? `allocations sampled every ${opts.interval} bytes` : `sampling every ${opts.interval} µs`}${opts['no-inlining'] ? ', without inlining' : ''}, output in ${out}\n`,
);
const hedge = await profileOne('hedge', [join(root, 'dist', 'cli', 'main.js'), 'start', '--config', cfg], port, origin.proc);
printOne(hedge);
if (opts.against === 'bare') {
  const barePort = await freePort();
  const bare = await profileOne('bare', [join(root, 'bench', 'tools', 'bare-proxy.mjs'), String(origin.port), String(barePort)], barePort, origin.proc);
  printOne(bare);
  printDifference(hedge, bare);
}
await stop(origin.proc);
