// Node's own floor under the non-partner row (issue 18, "faster hot path"):
// hedge next to bench/tools/bare-proxy.mjs — the same two parts, Node's http
// server and undici's pooled Agent, with nothing else — and next to the
// nginx enriching proxy, measured in turns (bench/tools/rounds.mjs), each
// pinned alone to the first CPU with wrk and the origin on the others. What
// hedge costs above the bare proxy is what hedge itself does per request; what
// the bare proxy costs above nginx is the price of the runtime. Select with
// `--only floor`.
import { join } from 'node:path';
import { addRoundRows, measureInTurns, roundRatio as ratio } from '../tools/rounds.mjs';
import { median } from '../tools/stats.mjs';

const ROUNDS = 5;

export async function rows(ctx) {
  if (!ctx.want('floor')) return;
  const h = await ctx.startHedge(ctx.originPort);
  const barePort = await ctx.freePort();
  const bare = ctx.start(process.execPath, [join(ctx.root, 'bench', 'tools', 'bare-proxy.mjs'), String(ctx.originPort), String(barePort)]);
  await ctx.waitPort(barePort);
  const n = ctx.startNginxProxy ? await ctx.startNginxProxy(ctx.originPort) : undefined;
  if (!n) ctx.skip('nginx in the floor rows', 'nginx not installed');
  const pins = [h.proc.pid, bare.pid, ...(n ? [n.proc.pid] : [])].map((pid) => ctx.pinApart(pid));
  const pinned = pins.every(Boolean) ? pins[0] : undefined;
  const url = 'http://news.example/';
  const series = [
    { name: 'hedge non-partner (floor rows)', port: h.port, pid: h.proc.pid, note: 'the non-partner row, same process as ever' },
    { name: 'bare Node proxy: http server + undici', port: barePort, pid: bare.pid, note: 'bench/tools/bare-proxy.mjs: parse, drop hop-by-hop, dispatch; nothing else' },
    ...(n ? [{ name: 'nginx enriching proxy (floor rows)', port: n.port, pid: n.proc.pid, note: 'the nginx row' }] : []),
  ].map((x) => ({ ...x, url, host: 'news.example' }));
  const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
  try {
    measureInTurns(ctx, series, { rounds: ROUNDS, seconds, cpus: pinned?.loadCpus });
    const [hedge, floor, nginx] = series;
    const cpu = (x) => median(x.rounds.map((r) => r.cpuUs));
    hedge.note += `; hedge/bare ${ratio(hedge, floor).toFixed(3)} (${(cpu(hedge) - cpu(floor)).toFixed(1)} µs of CPU per request above the bare proxy)`;
    if (nginx) {
      hedge.note += `; hedge/nginx ${ratio(hedge, nginx).toFixed(3)} (target ≥ 0.50)`;
      floor.note += `; bare/nginx ${ratio(floor, nginx).toFixed(3)}`;
    }
    addRoundRows(ctx, series, { seconds, pinned });
    process.stderr.write(
      `  hedge vs bare proxy: ${ratio(hedge, floor).toFixed(3)}${nginx ? `; hedge vs nginx: ${ratio(hedge, nginx).toFixed(3)}; bare proxy vs nginx: ${ratio(floor, nginx).toFixed(3)}` : ''}\n`,
    );
  } finally {
    for (const p of pins) p?.restore();
    await ctx.stop(h.proc);
    await ctx.stop(bare);
    if (n) await ctx.stop(n.proc);
  }
}
