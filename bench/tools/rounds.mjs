// Rows that take turns: on this shared 2-core machine the speed drifts by tens
// of percent within minutes, so rows compared by a ratio are measured in
// rounds, each row once per round, and reported by their medians and by the
// median of the per-round ratios (measurements that saw the same machine).
// Used by the signature rows and the egress guard's on/off rows.
import { median } from './stats.mjs';

/**
 * Measures every series once per round, in turn; each round starts one row
 * later, so no row always follows the same one (the row before leaves its
 * garbage behind). A series is {name, note, port, pid, url, host}; it gains
 * `rounds`: wrk's figures plus the gateway's CPU µs per request.
 * `cpus`: the CPU list for wrk (ctx.pinApart), or undefined.
 */
export function measureInTurns(ctx, series, { rounds, seconds, cpus }) {
  for (const x of series) {
    x.rounds = [];
    ctx.load(x.port, x.url, x.host, Math.min(2, ctx.duration), undefined, cpus); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < series.length; k++) {
      const x = series[(k + round) % series.length];
      const cpu0 = ctx.cpuOf(x.pid);
      const r = ctx.load(x.port, x.url, x.host, seconds, undefined, cpus);
      x.rounds.push({ ...r, cpuUs: r.requests ? ((ctx.cpuOf(x.pid) - cpu0) / r.requests) * 1e6 : NaN });
    }
  }
}

/** The median over the rounds of a's rate over b's in the same round. */
export function roundRatio(a, b) {
  return median(a.rounds.map((r, i) => (b.rounds[i].rps > 0 ? r.rps / b.rounds[i].rps : NaN)));
}

/** One table row per series, from the medians of its rounds, and a progress line each. */
export function addRoundRows(ctx, series, { seconds, pinned, rssMb = () => null }) {
  for (const x of series) {
    const m = (k) => median(x.rounds.map((r) => r[k]));
    const each = x.rounds.map((r) => Math.round(r.rps)).join(', ');
    ctx.addRow({
      name: x.name,
      rps: Math.round(m('rps')),
      p50Ms: round(m('p50Ms'), 3),
      p99Ms: round(m('p99Ms'), 3),
      cpuUsPerRequest: round(m('cpuUs'), 1),
      rssMb: rssMb(x),
      errors: x.rounds.reduce((a, r) => a + r.errors, 0),
      note: `${x.note}; median of ${x.rounds.length} interleaved rounds of ${seconds} s (${each} req/s)${pinned ? `; gateway on CPU ${pinned.gatewayCpu}, wrk and origin on ${pinned.loadCpus}` : ''}`,
    });
    process.stderr.write(`  ${x.name}: ${Math.round(m('rps'))} req/s, ${round(m('cpuUs'), 1)} µs CPU/request (rounds ${each})\n`);
  }
}

function round(n, d) {
  return Number.isFinite(n) ? Number(n.toFixed(d)) : null;
}
