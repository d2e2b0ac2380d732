// Node's own floor under the non-partner row (issue 18, "faster hot path" and
// "idle keep-alive connections"): hedge next to bench/tools/bare-proxy.mjs
// built four ways — Node's http server or raw net sockets for clients, undici
// or raw net sockets for the origin — and next to the nginx enriching proxy,
// measured in turns (bench/tools/rounds.mjs), each pinned alone to the first
// CPU with wrk and the origin on the others. What hedge costs above the http +
// undici proxy is what hedge itself does per request; what that proxy costs
// above the net + net one is the price of Node's http server and of undici;
// what net + net costs above nginx is the price of the runtime. A second
// table holds the same number of idle keep-alive connections to hedge, the
// http + undici and net + net proxies and nginx, and divides each one's RSS
// growth by it. Select with `--only floor`; `--floor-idle N` (default 10000,
// 0 for none) sets the idle connections.
import { join } from 'node:path';
import { addRoundRows, measureInTurns, roundRatio as ratio } from '../tools/rounds.mjs';
import { median } from '../tools/stats.mjs';
import { kbPerIdleConnection } from '../tools/idle-holder.mjs';

const ROUNDS = 5;
const argAt = process.argv.indexOf('--floor-idle');
const IDLE = argAt > 0 ? Number(process.argv[argAt + 1]) : 10_000;

/** The bare proxies: [server part, client part, what it shows]. */
const BARE = [
  ['http', 'undici', "hedge's two parts with nothing else: parse, drop hop-by-hop, dispatch"],
  ['http', 'net', "Node's http server, raw sockets to the origin: undici's share"],
  ['net', 'undici', "raw sockets for clients, undici to the origin: the http server's share"],
  ['net', 'net', 'raw sockets both ways, the least a Node proxy does: the runtime floor'],
];

export async function rows(ctx) {
  if (!ctx.want('floor')) return;
  const h = await ctx.startHedge(ctx.originPort);
  const bare = [];
  for (const [server, client, note] of BARE) {
    const port = await ctx.freePort();
    const proc = ctx.start(process.execPath, [join(ctx.root, 'bench', 'tools', 'bare-proxy.mjs'), String(ctx.originPort), String(port), '--server', server, '--client', client]);
    bare.push({
      name: `bare Node proxy: ${server === 'http' ? 'http server' : 'net server'} + ${client === 'undici' ? 'undici' : 'net client'}`,
      port,
      pid: proc.pid,
      proc,
      note: `bench/tools/bare-proxy.mjs --server ${server} --client ${client}: ${note}`,
    });
  }
  for (const b of bare) await ctx.waitPort(b.port);
  const n = ctx.startNginxProxy ? await ctx.startNginxProxy(ctx.originPort, Math.max(4096, IDLE + 1000)) : undefined;
  if (!n) ctx.skip('nginx in the floor rows', 'nginx not installed');
  const pins = [h.proc.pid, ...bare.map((b) => b.pid), ...(n ? [n.proc.pid] : [])].map((pid) => ctx.pinApart(pid));
  const pinned = pins.every(Boolean) ? pins[0] : undefined;
  const url = 'http://news.example/';
  const series = [
    { name: 'hedge non-partner (floor rows)', port: h.port, pid: h.proc.pid, note: 'the non-partner row, same process as ever' },
    ...bare,
    ...(n ? [{ name: 'nginx enriching proxy (floor rows)', port: n.port, pid: n.proc.pid, note: 'the nginx row' }] : []),
  ].map((x) => Object.assign(x, { url, host: 'news.example' })); // the same objects as `bare`: measureInTurns adds their rounds
  const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
  try {
    measureInTurns(ctx, series, { rounds: ROUNDS, seconds, cpus: pinned?.loadCpus });
    const [hedge, httpUndici, httpNet, netUndici, netNet] = series;
    const nginx = n ? series.at(-1) : undefined;
    const cpu = (x) => median(x.rounds.map((r) => r.cpuUs));
    /** µs of CPU per request a costs above b (medians). */
    const above = (a, b) => `${(cpu(a) - cpu(b)).toFixed(1)} µs of CPU per request`;
    hedge.note += `; hedge/bare ${ratio(hedge, httpUndici).toFixed(3)} (${above(hedge, httpUndici)} above the http + undici proxy)`;
    httpNet.note += `; undici: ${above(httpUndici, httpNet)} above a net client`;
    netUndici.note += `; http server: ${above(httpUndici, netUndici)} above a net server`;
    httpUndici.note += `; ${above(httpUndici, netNet)} above net + net`;
    if (nginx) {
      hedge.note += `; hedge/nginx ${ratio(hedge, nginx).toFixed(3)} (target ≥ 0.50)`;
      for (const b of bare) b.note += `; x nginx ${ratio(b, nginx).toFixed(3)}`;
    }
    addRoundRows(ctx, series, { seconds, pinned });
    process.stderr.write(
      `  hedge vs bare proxy: ${ratio(hedge, httpUndici).toFixed(3)}${nginx ? `; vs nginx: hedge ${ratio(hedge, nginx).toFixed(3)}, ${bare.map((b) => `${b.name.replace('bare Node proxy: ', '')} ${ratio(b, nginx).toFixed(3)}`).join(', ')}` : ''}\n`,
    );
    if (IDLE > 0) await idleRows(ctx, IDLE, [series[0], httpUndici, netNet, ...(nginx ? [nginx] : [])], url);
  } finally {
    for (const p of pins) p?.restore();
    await ctx.stop(h.proc);
    for (const b of bare) await ctx.stop(b.proc);
    if (n) await ctx.stop(n.proc);
  }
}

/** The same idle keep-alive connections to each, one after the other: KB of RSS per connection. */
async function idleRows(ctx, count, series, url) {
  const cells = [];
  for (const x of series) {
    const { kb, held } = await kbPerIdleConnection(ctx.treePids(x.pid), x.port, count, url);
    cells.push([x.name.replace(' (floor rows)', ''), kb.toFixed(2), `${held.ready} held, ${held.failed} failed${held.why}`]);
    process.stderr.write(`  floor: ${x.name}: ${kb.toFixed(2)} KB per idle keep-alive connection (${held.ready} held)\n`);
  }
  ctx.section(`KB per idle keep-alive connection — ${count} each, RSS growth over the count (target ≤ 3 KB for hedge)`, ['process', 'KB per connection', 'note'], cells);
}
