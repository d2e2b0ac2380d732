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
// to the first allowed CPU, wrk and the origin to the others (ctx.pinApart).
// One row after the other, the machine's drift within minutes read as a guard
// cost of 6–17 %.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addRoundRows, measureInTurns, roundRatio } from '../tools/rounds.mjs';

const ROUNDS = 5;

export async function rows(ctx) {
  if (!ctx.want('guard')) return;
  const on = await ctx.startHedge(ctx.originPort);
  const off = await startGuardOff(ctx).catch(async (err) => {
    await ctx.stop(on.proc);
    throw err;
  });
  const pinned = ctx.pinApart(on.proc.pid) && ctx.pinApart(off.proc.pid);
  const url = 'http://news.example/';
  const series = [
    { name: 'hedge non-partner, egress guard on', note: 'same run as the guard-off row', port: on.port, pid: on.proc.pid, url, host: 'news.example' },
    { name: 'hedge non-partner, egress guard off', note: 'benchmark-only build of the pipeline', port: off.port, pid: off.proc.pid, url, host: 'news.example' },
  ];
  const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
  try {
    measureInTurns(ctx, series, { rounds: ROUNDS, seconds, cpus: pinned?.loadCpus });
    const loss = (1 - roundRatio(series[0], series[1])) * 100;
    series[0].note = `guard cost: ${loss.toFixed(1)}% throughput vs guard off (target ≤ 10%)`;
    addRoundRows(ctx, series, { seconds, pinned, rssMb: (x) => Math.round(ctx.peakRssMb(x.pid) * 10) / 10 });
    process.stderr.write(`  egress guard cost on non-partner traffic: ${loss.toFixed(1)}% throughput\n`);
  } finally {
    pinned?.restore();
    await ctx.stop(on.proc);
    await ctx.stop(off.proc);
  }
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
