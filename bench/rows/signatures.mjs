// Bench rows for issue "Signatures every partner can verify": enriched
// requests signed with RFC 9421 hmac-sha256, RFC 9421 ed25519 and the earlier
// hedge-v1 (X-Hedge-Signature), against the non-partner row, all in the SAME
// gateway process and run. Targets: hmac-sha256 ≥ 0.85× the non-partner rate;
// ed25519 no slower than hedge-v1 (both one Ed25519 signature per request).
// Select with `--only signatures`.
//
// The unsigned row (signature: off) separates the enrichment's own cost.
// Config: examples/demo.yaml (selfcare: ed25519, the default) plus three
// partners under *.bench.example (served by the demo's "*.example" resolve
// entry) with the same grant as selfcare. bench/ab.mjs --only signatures uses
// the same partners. Where taskset is available the gateway runs alone on
// CPU 0, wrk and the origin on the others (ctx.pinApart), so the ratios compare
// the gateway's own work rather than who won the shared core.
import { median } from '../tools/stats.mjs';

export const SIGNATURE_PARTNERS = `
  - id: hmac-bench
    name: RFC 9421 hmac-sha256 benchmark partner
    purpose: benchmark
    hosts: [hmac.bench.example]
    signature: hmac-sha256
    signatureSecret: "YmVuY2gtb25seS1obWFjLXNlY3JldC0wMTIzNDU2Nzg"
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
  - id: off-bench
    name: unsigned benchmark partner
    purpose: benchmark
    hosts: [off.bench.example]
    signature: off
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
  - id: v1-bench
    name: hedge-v1 benchmark partner
    purpose: benchmark
    hosts: [v1.bench.example]
    signature: hedge-v1
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
`;

/** Measurement rounds: every row is measured once per round, in turn, and reported by its median. */
const ROUNDS = 5;

export async function rows(ctx) {
  if (!ctx.want('signatures')) return;
  const h = await ctx.startHedge(ctx.originPort, SIGNATURE_PARTNERS);
  const pinned = ctx.pinApart(h.proc.pid);
  // The rows take turns, one measurement each per round, instead of one row after the other:
  // this machine's speed drifts by tens of percent within minutes, and the ratios below are only
  // meaningful between measurements that saw the same machine. Each ratio is the median of the
  // per-round ratios; each row's figures are the medians of its rounds.
  const series = [
    ['hedge non-partner (signature rows)', 'news.example', 'baseline for the signature rows, same process'],
    ['hedge partner, signature: off (signature rows)', 'off.bench.example', 'X-MSISDN, unsigned: the enrichment cost without any signature'],
    ['hedge partner, RFC 9421 hmac-sha256', 'hmac.bench.example', 'X-MSISDN + Signature-Input/Signature (hmac-sha256)'],
    ['hedge partner, RFC 9421 ed25519', 'my.operator.example', 'X-MSISDN + Signature-Input/Signature (ed25519)'],
    ['hedge partner, hedge-v1', 'v1.bench.example', 'X-MSISDN + X-Hedge-Signature (Ed25519)'],
  ].map(([name, host, note]) => ({ name, host, note, rounds: [] }));
  const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
  try {
    for (const x of series) ctx.load(h.port, `http://${x.host}/`, x.host, Math.min(2, ctx.duration), undefined, pinned?.loadCpus); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts one row later, so no row always follows the same one (the row before leaves its garbage behind).
      for (let k = 0; k < series.length; k++) {
        const x = series[(k + round) % series.length];
        const cpu0 = ctx.cpuOf(h.proc.pid);
        const r = ctx.load(h.port, `http://${x.host}/`, x.host, seconds, undefined, pinned?.loadCpus);
        x.rounds.push({ ...r, cpuUs: r.requests ? ((ctx.cpuOf(h.proc.pid) - cpu0) / r.requests) * 1e6 : NaN });
      }
    }
    const [np, off, hmac, ed, v1] = series;
    const ratio = (a, b) => median(a.rounds.map((r, i) => (b.rounds[i].rps > 0 ? r.rps / b.rounds[i].rps : NaN)));
    off.note += `; unsigned/non-partner ${ratio(off, np).toFixed(3)}`;
    hmac.note += `; hmac-sha256/non-partner ${ratio(hmac, np).toFixed(3)} (target ≥ 0.85); hmac-sha256/unsigned ${ratio(hmac, off).toFixed(3)}`;
    ed.note += `; ed25519/hedge-v1 ${ratio(ed, v1).toFixed(3)} (target ≥ 1.00 within noise)`;
    for (const x of series) {
      const m = (k) => median(x.rounds.map((r) => r[k]));
      ctx.addRow({
        name: x.name,
        rps: Math.round(m('rps')),
        p50Ms: round(m('p50Ms'), 3),
        p99Ms: round(m('p99Ms'), 3),
        cpuUsPerRequest: round(m('cpuUs'), 1),
        rssMb: null,
        errors: x.rounds.reduce((a, r) => a + r.errors, 0),
        note: `${x.note}; median of ${ROUNDS} interleaved rounds of ${seconds} s (${x.rounds.map((r) => Math.round(r.rps)).join(', ')} req/s)${pinned ? `; gateway on CPU 0, wrk and origin on ${pinned.loadCpus}` : ''}`,
      });
      process.stderr.write(`  ${x.name}: ${Math.round(m('rps'))} req/s, ${round(m('cpuUs'), 1)} µs CPU/request (rounds ${x.rounds.map((r) => Math.round(r.rps)).join(', ')})\n`);
    }
    process.stderr.write(`  unsigned vs non-partner: ${ratio(off, np).toFixed(3)}; hmac-sha256 vs unsigned: ${ratio(hmac, off).toFixed(3)}\n`);
    process.stderr.write(
      `  hmac-sha256 vs non-partner: ${ratio(hmac, np).toFixed(3)}; ed25519 vs hedge-v1: ${ratio(ed, v1).toFixed(3)}; ed25519 vs non-partner: ${ratio(ed, np).toFixed(3)}\n`,
    );
  } finally {
    pinned?.restore();
    await ctx.stop(h.proc);
  }
}

function round(n, d) {
  return Number.isFinite(n) ? Number(n.toFixed(d)) : null;
}
