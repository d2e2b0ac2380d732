// Bench rows for the egress guard (issue "The second lock"): the same hedge
// build, same config, same non-partner traffic, with the guard on and off in
// one run. Target: at most 10% throughput loss with the guard on.
//
//   export async function rows(ctx)   — called by bench/run.mjs with its context
//                                       (startHedge, start, stop, want, load, pinApart, addRow, cpuOf, …)
//
// The guard-off gateway cannot be started from the CLI, the config or any
// gateway option (there is deliberately no switch for that): it is built here,
// through the library's transformPipeline hook, by replacing the stage named
// 'egress-guard' with one that only seals the flow — the upstream sends sealed
// flows only (src/pipeline/guard-seal.ts) — so the two rows differ by exactly
// the guard's inspection. It gets the same V8 treatment as `hedge start`
// (young generation, optimising compiler, WebAssembly tier: src/cli/main.ts),
// or the rows would also compare two ways of starting a process. This bench is
// the one place outside the guard that calls sealGuarded (eslint.config.js
// cannot see it: it loads dist/).
//
// Both gateways run at once and take turns, five rounds, each reported by its
// medians and the loss by the median of the per-round ratios; both are pinned
// to CPU 0, wrk and the origin to the others (ctx.pinApart). One row after the
// other, the machine's drift within minutes read as a guard cost of 6–17 %.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '../tools/stats.mjs';

const ROUNDS = 5;

export async function rows(ctx) {
  if (!ctx.want('guard')) return;
  const on = await ctx.startHedge(ctx.originPort);
  const off = await startGuardOff(ctx).catch(async (err) => {
    await ctx.stop(on.proc);
    throw err;
  });
  const pinned = ctx.pinApart(on.proc.pid);
  ctx.pinApart(off.proc.pid);
  const series = [
    { name: 'hedge non-partner, egress guard on', gw: on, note: 'same run as the guard-off row', rounds: [] },
    { name: 'hedge non-partner, egress guard off', gw: off, note: 'benchmark-only build of the pipeline', rounds: [] },
  ];
  const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
  const target = ['http://news.example/', 'news.example'];
  try {
    for (const x of series) ctx.load(x.gw.port, ...target, Math.min(2, ctx.duration), undefined, pinned?.loadCpus); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < series.length; k++) {
        const x = series[(k + round) % series.length]; // each round starts with the other row
        const cpu0 = ctx.cpuOf(x.gw.proc.pid);
        const r = ctx.load(x.gw.port, ...target, seconds, undefined, pinned?.loadCpus);
        x.rounds.push({ ...r, cpuUs: r.requests ? ((ctx.cpuOf(x.gw.proc.pid) - cpu0) / r.requests) * 1e6 : NaN });
      }
    }
    const [onS, offS] = series;
    const loss = (1 - median(onS.rounds.map((r, i) => (offS.rounds[i].rps > 0 ? r.rps / offS.rounds[i].rps : NaN)))) * 100;
    onS.note = `guard cost: ${loss.toFixed(1)}% throughput vs guard off (target ≤ 10%)`;
    for (const x of series) {
      const m = (k) => median(x.rounds.map((r) => r[k]));
      ctx.addRow({
        name: x.name,
        rps: Math.round(m('rps')),
        p50Ms: round(m('p50Ms'), 3),
        p99Ms: round(m('p99Ms'), 3),
        cpuUsPerRequest: round(m('cpuUs'), 1),
        rssMb: round(ctx.peakRssMb(x.gw.proc.pid), 1),
        errors: x.rounds.reduce((a, r) => a + r.errors, 0),
        note: `${x.note}; median of ${ROUNDS} interleaved rounds of ${seconds} s (${x.rounds.map((r) => Math.round(r.rps)).join(', ')} req/s)${pinned ? `; gateway on CPU 0, wrk and origin on ${pinned.loadCpus}` : ''}`,
      });
      process.stderr.write(`  ${x.name}: ${Math.round(m('rps'))} req/s, ${round(m('cpuUs'), 1)} µs CPU/request (rounds ${x.rounds.map((r) => Math.round(r.rps)).join(', ')})\n`);
    }
    process.stderr.write(`  egress guard cost on non-partner traffic: ${loss.toFixed(1)}% throughput\n`);
  } finally {
    pinned?.restore();
    await ctx.stop(on.proc);
    await ctx.stop(off.proc);
  }
}

function round(n, d) {
  return Number.isFinite(n) ? Number(n.toFixed(d)) : null;
}

async function startGuardOff(ctx) {
  const port = await ctx.freePort();
  const admin = await ctx.freePort();
  const cfg = join(ctx.work, `hedge-guard-off-${port}.yaml`);
  writeFileSync(
    cfg,
    readFileSync(join(ctx.root, 'examples', 'demo.yaml'), 'utf8')
      .replace('127.0.0.1:8081', `127.0.0.1:${ctx.originPort}`)
      .replace('listen: 127.0.0.1:8080', `listen: 127.0.0.1:${port}`)
      .replace('listen: 127.0.0.1:9090', `listen: 127.0.0.1:${admin}`),
  );
  const dist = (f) => JSON.stringify(pathToFileURL(join(ctx.root, 'dist', f)).href);
  const src = `
    // As cli/main.ts does before it loads the rest of hedge, and cli/start.ts once the gateway listens.
    (await import(${dist('cli/young-generation.js')})).holdYoungGeneration();
    (await import(${dist('cli/optimizing-compiler.js')})).holdOptimizingCompiler();
    (await import(${dist('cli/wasm-tier.js')})).keepWasmOnBaselineCompiler();
    const { startGateway } = await import(${dist('node/gateway.js')});
    const { loadConfigFile } = await import(${dist('config/load.js')});
    const { sealGuarded } = await import(${dist('pipeline/guard-seal.js')});
    const { CONTINUE } = await import(${dist('pipeline/stage.js')});
    const sealOnly = { name: 'egress-guard', onError: 'refuse', onRequest: (flow) => (sealGuarded(flow), CONTINUE) };
    const transformPipeline = (p) => {
      if (!p.stages.some((s) => s.name === 'egress-guard')) throw new Error('bench: no stage named egress-guard to replace');
      return { ...p, stages: p.stages.map((s) => (s.name === 'egress-guard' ? sealOnly : s)) };
    };
    const gw = await startGateway(loadConfigFile(${JSON.stringify(cfg)}), { transformPipeline });
    (await import(${dist('cli/young-generation.js')})).capYoungGeneration();
    (await import(${dist('cli/optimizing-compiler.js')})).releaseOptimizingCompiler();
    process.on('SIGTERM', () => gw.stop(0).then(() => process.exit(0)));
    process.on('SIGINT', () => gw.stop(0).then(() => process.exit(0)));`;
  const proc = ctx.start(process.execPath, ['--input-type=module', '-e', src], { env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' } });
  await ctx.waitPort(port);
  return { port, proc };
}
