// Memory, connections and overload (issue 18), hedge next to nginx in the same
// run, printed as a second table by bench/run.mjs:
//   - idle RSS of one process (demo config: audit and Redis off) vs nginx;
//   - KB per idle keep-alive connection: both hold the same N idle connections
//     (each has carried one request), RSS after minus RSS before, over N;
//   - p99 of the non-partner load with the N idle connections held vs without
//     (same process, same run);
//   - overload: an open-loop generator (bench/tools/open-loop.mjs) offers twice
//     the capacity wrk measured just before, for the row's duration; admitted
//     throughput, share shed, admitted p99, peak RSS during it, and whether the
//     admin probe answered every time it was asked (every 200 ms).
// Options (bench/run.mjs --key value): --idle N (default 18000: this machine's
// open-file limit is 20,000 soft and hard, so one process cannot hold 20,000
// client connections and its own files; set by the bench, since `auto` would
// allow limit − 1024), --overload-inflight N (default 256),
// --overload-generators N (open-loop processes sharing the offered rate,
// default 2: one Node process cannot offer twice this gateway's capacity on a
// shared core), --overload-warm N (connections opened, each carrying one
// request, before the clock starts; default 4000, the generators' cap),
// --overload-loop-turn-ms N (proxy.limits.maxLoopTurnMs; default 50, tighter
// than the gateway's 250 so the admitted requests' wait stays short). `--only overload` runs the overload rows alone.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdIdle, kbPerIdleConnection, release, rssMb, settle } from '../tools/idle-holder.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : undefined))
    .filter(Boolean),
);
const TASKSET = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).stdout.trim() || undefined;
const IDLE = Number(args.idle ?? 18000);
const INFLIGHT = Number(args['overload-inflight'] ?? 256);
const GENERATORS = Math.max(1, Number(args['overload-generators'] ?? 2));
const WARM = Number(args['overload-warm'] ?? 4000);
/** proxy.limits.maxLoopTurnMs for the overload rows. */
const LOOP_TURN = args['overload-loop-turn-ms'] ?? '50';
const DURATION = Number(args.duration ?? 10);
const NOFILE = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '?';
const tools = (f) => join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'tools', f);

function openLoopOne(port, rate, seconds, target, maxConnections) {
  return new Promise((resolve, reject) => {
    const argv = [tools('open-loop.mjs'), String(port), String(Math.round(rate)), String(seconds), target, String(maxConnections)];
    const env = { ...process.env, OPEN_LOOP_RAW: '1', OPEN_LOOP_WARM: String(Math.round(WARM / GENERATORS)) };
    const c = TASKSET
      ? spawn(TASKSET, ['-c', '1', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.once('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`open-loop generator: no result (${out.trim()})`));
      }
    });
  });
}

/** `GENERATORS` open-loop processes, each offering its share of `rate`; their counts added, admitted percentiles over all. */
async function openLoop(port, rate, seconds, target) {
  const parts = await Promise.all(Array.from({ length: GENERATORS }, () => openLoopOne(port, rate / GENERATORS, seconds, target, Math.round(4000 / GENERATORS))));
  const sum = (k) => parts.reduce((n, p) => n + (p[k] ?? 0), 0);
  const lat = parts.flatMap((p) => p.latOk ?? []).sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : NaN);
  const max = (k) => Math.max(...parts.map((p) => p[k] ?? NaN));
  return {
    offered: sum('offered'),
    sent: sum('sent'),
    ok: sum('ok'),
    shed: sum('shed'),
    errors: sum('errors'),
    notSent: sum('notSent'),
    opened: sum('opened'),
    okP50Ms: pct(50),
    okP90Ms: pct(90),
    okP99Ms: pct(99),
    shedP99Ms: max('shedP99Ms'),
    sendLagP99Ms: max('sendLagP99Ms'),
  };
}

async function startHedgeScale(ctx, extraLimits, workers = 0) {
  const port = await ctx.freePort();
  const admin = await ctx.freePort();
  const cfg = join(ctx.work, `hedge-scale-${port}.yaml`);
  writeFileSync(
    cfg,
    readFileSync(join(ctx.root, 'examples', 'demo.yaml'), 'utf8')
      .replace('127.0.0.1:8081', `127.0.0.1:${ctx.originPort}`)
      .replace('listen: 127.0.0.1:8080', `listen: 127.0.0.1:${port}`)
      .replace('listen: 127.0.0.1:9090', `listen: 127.0.0.1:${admin}`)
      .replace('  mode: forward\n', `  mode: forward\n  limits:\n    idleTimeoutMs: 600000\n${extraLimits}`),
  );
  const argv = [join(ctx.root, 'dist', 'cli', 'main.js'), 'start', '--config', cfg, ...(workers ? ['--workers', String(workers)] : [])];
  // Pinned to CPU 0 (taskset), so the generators on CPU 1 can offer it more than it can take.
  const proc =
    TASKSET && !workers
      ? ctx.start(TASKSET, ['-c', '0', process.execPath, ...argv], { env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' } })
      : ctx.start(process.execPath, argv, { env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' } });
  await ctx.waitPort(port);
  await ctx.waitPort(admin);
  return { port, admin, proc };
}

export async function rows(ctx) {
  if (!ctx.want('scale')) {
    if (ctx.want('overload')) await overloadOnly(ctx);
    return;
  }
  const cells = [];
  const target = 'http://news.example/';
  const h = await startHedgeScale(ctx, `    maxConnections: ${IDLE + 500}\n    maxInFlightRequests: ${INFLIGHT}\n`);
  const n = ctx.startNginxProxy ? await ctx.startNginxProxy(ctx.originPort, IDLE + 1000) : undefined;
  if (!n) ctx.skip('nginx columns of the scale table', 'nginx not installed');
  await settle(2000);
  const hPids = ctx.treePids(h.proc.pid);
  const nPids = n ? ctx.treePids(n.proc.pid) : [];
  const idleH = rssMb(hPids);
  const idleN = n ? rssMb(nPids) : NaN;
  const row = (name, hv, nv, unit, note = '') => cells.push([name, fmt(hv), fmt(nv), Number.isFinite(hv) && Number.isFinite(nv) && nv ? (hv / nv).toFixed(2) : '-', unit, note]);
  row('idle RSS, one process', idleH, idleN, 'MB', 'demo config: audit, Redis off');

  // Non-partner load without idle connections held (this process, this run).
  const base = ctx.load(h.port, target, 'news.example', DURATION);
  const baseN = n ? ctx.load(n.port, 'http://news.example/', 'news.example', DURATION) : undefined;
  const loadH = rssMb(hPids);
  row('RSS after the non-partner load', loadH, n ? rssMb(nPids) : NaN, 'MB', `wrk, ${DURATION}s`);

  // Idle keep-alive connections: same count to both.
  const before = rssMb(hPids);
  const heldH = await holdIdle(h.port, IDLE, target);
  await settle(1500);
  const kbH = ((rssMb(hPids) - before) * 1024) / Math.max(1, heldH.ready);
  const withIdle = ctx.load(h.port, target, 'news.example', DURATION);
  const afterIdleH = rssMb(hPids);
  await release(heldH);
  let kbN = NaN;
  let heldNready = 0;
  if (n) {
    const r = await kbPerIdleConnection(nPids, n.port, IDLE, target);
    kbN = r.kb;
    heldNready = r.held.ready;
  }
  row(`KB per idle keep-alive connection`, kbH, kbN, 'KB', `hedge held ${heldH.ready} (${heldH.failed} failed${heldH.why}), nginx ${heldNready}`);
  row(`RSS with ${heldH.ready} idle connections held`, afterIdleH, NaN, 'MB', 'after the load below');
  cells.push([
    'non-partner p99 without / with idle held',
    `${fmt(base.p99Ms)} / ${fmt(withIdle.p99Ms)}`,
    '-',
    '-',
    'ms',
    `req/s ${Math.round(base.rps)} / ${Math.round(withIdle.rps)}`,
  ]);

  // Overload: twice the capacity wrk just measured, open loop.
  const ol = await overload(ctx, h, hPids, base.rps, target);
  cells.push(...ol.cells);
  process.stderr.write(
    `  scale: idle ${fmt(idleH)} MB (nginx ${fmt(idleN)}), ${fmt(kbH)} KB/conn (nginx ${fmt(kbN)}), overload admitted ${Math.round(ol.result.ok / DURATION)}/s, shed ${ol.result.shed}\n`,
  );
  if (baseN) cells.push(['nginx non-partner req/s (same run)', '-', String(Math.round(baseN.rps)), '-', 'req/s', '']);
  await ctx.stop(h.proc);
  if (n) await ctx.stop(n.proc);
  ctx.section(
    `memory / connections / overload — ${heldH.ready} idle connections (open-file limit ${NOFILE}), one process each`,
    ['measure', 'hedge', 'nginx', 'x nginx', 'unit', 'note'],
    cells,
  );
  if (Number(NOFILE) < 20_000 + 1024 && IDLE < 20_000) await twentyThousand(ctx);
}

/**
 * Offers twice `capacity` (req/s, measured by wrk just before) open loop for
 * the row's duration, polling the admin probe every 200 ms; returns the rows.
 */
async function overload(ctx, h, hPids, capacity, target) {
  const cells = [];
  const rate = 2 * capacity;
  const probes = { asked: 0, ok: 0 };
  let peak = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      peak = Math.max(peak, rssMb(hPids));
      probes.asked++;
      try {
        const r = await fetch(`http://127.0.0.1:${h.admin}/livez`, { signal: globalThis.AbortSignal.timeout(1000) });
        if (r.status === 200) probes.ok++;
        await r.body?.cancel();
      } catch {
        /* counted as not answered */
      }
      await settle(200);
    }
  })();
  const m0 = await scrape(h.admin);
  const ol = await openLoop(h.port, rate, DURATION, target);
  polling = false;
  await poller;
  const m1 = await scrape(h.admin);
  ol.server = serverSide(m0, m1);
  const answered = ol.ok + ol.shed;
  cells.push(['overload: offered (2× capacity)', `${Math.round(rate)}/s`, '-', '-', 'req/s', `sent ${ol.sent}, not sent ${ol.notSent} (generator saturated)`]);
  cells.push(['overload: admitted throughput', `${Math.round(ol.ok / DURATION)}/s`, '-', '-', 'req/s', `capacity ${Math.round(capacity)}/s (wrk)`]);
  cells.push(['overload: shed (503 + Retry-After)', answered ? `${((100 * ol.shed) / answered).toFixed(1)} %` : '-', '-', '-', '', `${ol.shed} shed, ${ol.errors} errors`]);
  cells.push([
    'overload: admitted p99',
    fmt(ol.okP99Ms),
    '-',
    '-',
    'ms',
    `from the scheduled time (p50 ${fmt(ol.okP50Ms)}, p90 ${fmt(ol.okP90Ms)}); maxInFlightRequests ${INFLIGHT}`,
  ]);
  cells.push([
    'overload: admitted p99 inside the gateway',
    Number.isFinite(ol.server.p99Ms) ? `≤ ${fmt(ol.server.p99Ms)}` : '-',
    '-',
    '-',
    'ms',
    `hedge_request_duration_seconds bucket; ${ol.server.acceptShed} of the shed answered at accept`,
  ]);
  cells.push(['overload: peak RSS', fmt(peak), '-', '-', 'MB', '']);
  cells.push(['overload: admin /livez answered', `${probes.ok}/${probes.asked}`, '-', '-', '', 'every 200 ms during the overload']);
  return { cells, result: ol };
}

/** The admin listener's metrics text ('' when it did not answer). */
async function scrape(adminPort) {
  try {
    const r = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: globalThis.AbortSignal.timeout(5000) });
    return await r.text();
  } catch {
    return '';
  }
}

/** Between two scrapes: the p99 of the gateway's own request-duration histogram (a bucket bound), requests shed, connections refused. */
function serverSide(before, after) {
  const series = (text, re) => {
    const out = new Map();
    for (const line of text.split('\n')) {
      const m = re.exec(line);
      if (m) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
    }
    return out;
  };
  const bucketRe = /^hedge_request_duration_seconds_bucket\{.*le="([^"]+)".*\} (\S+)/;
  const b0 = series(before, bucketRe);
  const b1 = series(after, bucketRe);
  const les = [...b1.keys()];
  const total = (b1.get('+Inf') ?? 0) - (b0.get('+Inf') ?? 0);
  let p99 = NaN;
  for (const le of les) {
    if ((b1.get(le) ?? 0) - (b0.get(le) ?? 0) >= 0.99 * total) {
      p99 = le === '+Inf' ? Infinity : Number(le) * 1000;
      break;
    }
  }
  const sum = (text, name) => [...series(text, new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`)).values()].reduce((a, b) => a + b, 0);
  const delta = (name) => sum(after, name) - sum(before, name);
  const atAccept = (text) => [...series(text, /^hedge_requests_shed_total\{(.*at="accept".*)\} (\S+)/).values()].reduce((a, b) => a + b, 0);
  const acceptShed = atAccept(after) - atAccept(before);
  return { admitted: total, p99Ms: p99, shed: delta('hedge_requests_shed_total'), acceptShed, refused: delta('hedge_connections_refused_total') };
}

/** `--only overload`: the overload rows alone (capacity by wrk, then twice it open loop), without the idle-connection ones. */
async function overloadOnly(ctx) {
  const target = 'http://news.example/';
  const h = await startHedgeScale(ctx, `    maxInFlightRequests: ${INFLIGHT}\n${LOOP_TURN !== undefined ? `    maxLoopTurnMs: ${LOOP_TURN}\n` : ''}`);
  try {
    await settle(2000);
    const hPids = ctx.treePids(h.proc.pid);
    const base = ctx.load(h.port, target, 'news.example', DURATION);
    const ol = await overload(ctx, h, hPids, base.rps, target);
    const r = ol.result;
    process.stderr.write(
      `  overload: capacity ${Math.round(base.rps)}/s (p99 ${fmt(base.p99Ms)} ms), admitted ${Math.round(r.ok / DURATION)}/s p99 ${fmt(r.okP99Ms)} ms, shed ${r.shed}, errors ${r.errors}\n`,
    );
    ctx.section(
      `overload — 2× capacity, one process`,
      ['measure', 'hedge', 'nginx', 'x nginx', 'unit', 'note'],
      [['capacity (wrk, closed loop)', `${Math.round(base.rps)}/s`, '-', '-', 'req/s', `p99 ${fmt(base.p99Ms)} ms unloaded`], ...ol.cells],
    );
  } finally {
    await ctx.stop(h.proc);
  }
}

/**
 * 20,000 idle keep-alive connections when one process may not open that many
 * files (this machine: 20,000 hard, not raisable without CAP_SYS_RESOURCE):
 * `--workers 2` holds them 10,000 per worker, two holders open them, and the
 * non-partner load runs beside them. Reports the p99 without and with them held.
 */
async function twentyThousand(ctx) {
  const total = 20_000;
  const per = total / 2;
  const h = await startHedgeScale(ctx, `    maxConnections: ${per + 1000}\n    maxInFlightRequests: ${INFLIGHT}\n`, 2);
  try {
    await settle(2000);
    const target = 'http://news.example/';
    const base = ctx.load(h.port, target, 'news.example', DURATION);
    const before = rssMb(ctx.treePids(h.proc.pid));
    const holders = await Promise.all([holdIdle(h.port, per, target), holdIdle(h.port, per, target)]);
    try {
      await settle(1500);
      const held = holders.reduce((n, x) => n + x.ready, 0);
      const failed = holders.reduce((n, x) => n + x.failed, 0);
      const withIdle = ctx.load(h.port, target, 'news.example', DURATION);
      const after = rssMb(ctx.treePids(h.proc.pid));
      const cells = [
        ['idle keep-alive connections held', String(held), 'connections', `${failed} failed${holders.map((x) => x.why).join('')}; two holders of ${per}`],
        ['non-partner p99 without / with them held', `${fmt(base.p99Ms)} / ${fmt(withIdle.p99Ms)}`, 'ms', `req/s ${Math.round(base.rps)} / ${Math.round(withIdle.rps)}`],
        ['RSS of primary + 2 workers, before / with them held', `${fmt(before)} / ${fmt(after)}`, 'MB', `${fmt(((after - before) * 1024) / Math.max(1, held))} KB per connection`],
      ];
      process.stderr.write(`  scale: ${held} idle connections over 2 workers, non-partner p99 ${fmt(base.p99Ms)} → ${fmt(withIdle.p99Ms)} ms\n`);
      ctx.section(`${total} idle connections — hedge --workers 2 (one process may open ${NOFILE} files)`, ['measure', 'hedge', 'unit', 'note'], cells);
    } finally {
      for (const x of holders) await release(x);
    }
  } finally {
    await ctx.stop(h.proc);
  }
}

function fmt(v) {
  return Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)) : '-';
}
