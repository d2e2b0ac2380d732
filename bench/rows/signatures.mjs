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
// the same partners. Where taskset is available the gateway runs alone on the
// first allowed CPU, wrk and the origin on the others (ctx.pinApart), so the
// ratios compare the gateway's own work rather than who won the shared core.
import { addRoundRows, measureInTurns, roundRatio as ratio } from '../tools/rounds.mjs';

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
  // The rows take turns, one measurement each per round, instead of one row after the other
  // (bench/tools/rounds.mjs): the ratios below are only meaningful between measurements that saw
  // the same machine.
  const series = [
    ['hedge non-partner (signature rows)', 'news.example', 'baseline for the signature rows, same process'],
    ['hedge partner, signature: off (signature rows)', 'off.bench.example', 'X-MSISDN, unsigned: the enrichment cost without any signature'],
    ['hedge partner, RFC 9421 hmac-sha256', 'hmac.bench.example', 'X-MSISDN + Signature-Input/Signature (hmac-sha256)'],
    ['hedge partner, RFC 9421 ed25519', 'my.operator.example', 'X-MSISDN + Signature-Input/Signature (ed25519)'],
    ['hedge partner, hedge-v1', 'v1.bench.example', 'X-MSISDN + X-Hedge-Signature (Ed25519)'],
  ].map(([name, host, note]) => ({ name, host, note, url: `http://${host}/`, port: h.port, pid: h.proc.pid }));
  const seconds = Math.max(2, Math.round(ctx.duration / ROUNDS));
  try {
    measureInTurns(ctx, series, { rounds: ROUNDS, seconds, cpus: pinned?.loadCpus });
    const [np, off, hmac, ed, v1] = series;
    off.note += `; unsigned/non-partner ${ratio(off, np).toFixed(3)}`;
    hmac.note += `; hmac-sha256/non-partner ${ratio(hmac, np).toFixed(3)} (target ≥ 0.85); hmac-sha256/unsigned ${ratio(hmac, off).toFixed(3)}`;
    ed.note += `; ed25519/hedge-v1 ${ratio(ed, v1).toFixed(3)} (target ≥ 1.00 within noise)`;
    addRoundRows(ctx, series, { seconds, pinned });
    process.stderr.write(`  unsigned vs non-partner: ${ratio(off, np).toFixed(3)}; hmac-sha256 vs unsigned: ${ratio(hmac, off).toFixed(3)}\n`);
    process.stderr.write(
      `  hmac-sha256 vs non-partner: ${ratio(hmac, np).toFixed(3)}; ed25519 vs hedge-v1: ${ratio(ed, v1).toFixed(3)}; ed25519 vs non-partner: ${ratio(ed, np).toFixed(3)}\n`,
    );
  } finally {
    pinned?.restore();
    await ctx.stop(h.proc);
  }
}
