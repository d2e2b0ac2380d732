// Bench rows for issue "Least-revealing enrichment": a partner receiving a
// sealed MSISDN (JWE dir/A256GCM bound to partner, host and time) plus the
// Ed25519 signature header, against the plain-raw partner in the SAME gateway
// process and run. Target: sealed throughput within 15% of raw (the raw row
// is signed too: every enriched request carries the signature).
//
//   export async function rows(ctx)   — called by bench/run.mjs with its context
//                                       (startHedge, stop, measure, want, root, originPort)
//
// Config: examples/demo.yaml plus the partner entries of
// examples/bench-sealed-partner.yaml (host sealed.bench.example, served by the
// demo's "*.example" resolve entry). Select with `--only sealed`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function rows(ctx) {
  if (!ctx.want('sealed')) return;
  const extra = readFileSync(join(ctx.root, 'examples', 'bench-sealed-partner.yaml'), 'utf8');
  const entries = extra.slice(extra.indexOf('\npartners:\n') + '\npartners:\n'.length);
  const h = await ctx.startHedge(ctx.originPort, entries);
  try {
    const raw = await ctx.measure(
      'hedge partner (raw msisdn), sealed-row baseline',
      h,
      'http://my.operator.example/',
      'my.operator.example',
      'X-MSISDN + signature, same process as the sealed row',
    );
    const sealed = await ctx.measure(
      'hedge partner (sealed msisdn + signature)',
      h,
      'http://sealed.bench.example/',
      'sealed.bench.example',
      'JWE-sealed X-MSISDN-Sealed + X-Hedge-Signature',
    );
    const ratio = raw.rps > 0 ? sealed.rps / raw.rps : NaN;
    sealed.note = `sealed/raw throughput ${ratio.toFixed(3)} (target ≥ 0.85)`;
    process.stderr.write(`  sealed + signature vs raw partner: ${ratio.toFixed(3)} of raw throughput\n`);
  } finally {
    await ctx.stop(h.proc);
  }
}
