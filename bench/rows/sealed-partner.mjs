// Bench row for issue "Least-revealing enrichment": a partner receiving a
// sealed MSISDN (JWE dir/A256GCM, bound to partner, host and time) plus the
// Ed25519 signature header. Target: throughput within 15% of the
// "hedge partner (raw msisdn)" row of the same run (that row is signed too).
// Called by bench/run.mjs as rows(ctx); the config is the demo plus one
// partner, exactly examples/bench-sealed-partner.yaml's partner entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function rows(ctx) {
  const name = 'hedge partner (sealed msisdn + signature)';
  if (!ctx.want(name)) return;
  const extra = readFileSync(join(ctx.root, 'examples', 'bench-sealed-partner.yaml'), 'utf8');
  // The example file is a whole partners list; append its entries to the demo's.
  const entries = extra.slice(extra.indexOf('partners:\n') + 'partners:\n'.length);
  const h = await ctx.startHedge(ctx.originPort, entries);
  try {
    await ctx.measure(name, h, 'http://sealed.bench.example/', 'sealed.bench.example', 'JWE-sealed X-MSISDN-Sealed + X-Hedge-Signature');
  } finally {
    await ctx.stop(h.proc);
  }
}
