// Bench rows for the egress guard (issue "The second lock"): the same hedge
// build, same config, same non-partner traffic, with the guard on and off in
// one run. Target: at most 10% throughput loss with the guard on.
//
//   export async function rows(ctx)   — called by bench/run.mjs with its context
//                                       (startHedge, start, stop, measure, want, freePort, waitPort, work, root, originPort)
//
// The guard-off gateway cannot be started from the CLI, the config or any
// gateway option (there is deliberately no switch for that): it is built here,
// through the library's transformPipeline hook, by replacing the stage named
// 'egress-guard' with one that only seals the flow — the upstream sends sealed
// flows only (src/pipeline/guard-seal.ts) — so the two rows differ by exactly
// the guard's inspection. This bench is the one place outside the guard that
// calls sealGuarded (eslint.config.js cannot see it: it loads dist/).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function rows(ctx) {
  if (!ctx.want('guard')) return;
  const on = await ctx.startHedge(ctx.originPort);
  const onRow = await ctx.measure('hedge non-partner, egress guard on', on, 'http://news.example/', 'news.example', 'same run as the guard-off row');
  await ctx.stop(on.proc);
  const off = await startGuardOff(ctx);
  const offRow = await ctx.measure('hedge non-partner, egress guard off', off, 'http://news.example/', 'news.example', 'benchmark-only build of the pipeline');
  await ctx.stop(off.proc);
  const loss = offRow.rps > 0 ? (1 - onRow.rps / offRow.rps) * 100 : NaN;
  onRow.note = `guard cost: ${loss.toFixed(1)}% throughput vs guard off (target ≤ 10%)`;
  process.stderr.write(`  egress guard cost on non-partner traffic: ${loss.toFixed(1)}% throughput\n`);
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
    process.on('SIGTERM', () => gw.stop(0).then(() => process.exit(0)));
    process.on('SIGINT', () => gw.stop(0).then(() => process.exit(0)));`;
  const proc = ctx.start(process.execPath, ['--input-type=module', '-e', src], { env: { ...process.env, HEDGE_LOG_LEVEL: 'warn' } });
  await ctx.waitPort(port);
  return { port, proc };
}
