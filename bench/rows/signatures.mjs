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
// the same partners.
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

export async function rows(ctx) {
  if (!ctx.want('signatures')) return;
  const h = await ctx.startHedge(ctx.originPort, SIGNATURE_PARTNERS);
  try {
    const np = await ctx.measure('hedge non-partner (signature rows)', h, 'http://news.example/', 'news.example', 'baseline for the signature rows, same process');
    const off = await ctx.measure(
      'hedge partner, signature: off (signature rows)',
      h,
      'http://off.bench.example/',
      'off.bench.example',
      'X-MSISDN, unsigned: the enrichment cost without any signature',
    );
    const hmac = await ctx.measure(
      'hedge partner, RFC 9421 hmac-sha256',
      h,
      'http://hmac.bench.example/',
      'hmac.bench.example',
      'X-MSISDN + Signature-Input/Signature (hmac-sha256)',
    );
    const ed = await ctx.measure('hedge partner, RFC 9421 ed25519', h, 'http://my.operator.example/', 'my.operator.example', 'X-MSISDN + Signature-Input/Signature (ed25519)');
    const v1 = await ctx.measure('hedge partner, hedge-v1', h, 'http://v1.bench.example/', 'v1.bench.example', 'X-MSISDN + X-Hedge-Signature (Ed25519)');
    const r = (a, b) => (b.rps > 0 ? a.rps / b.rps : NaN);
    off.note = `unsigned/non-partner ${r(off, np).toFixed(3)}`;
    hmac.note = `hmac-sha256/non-partner ${r(hmac, np).toFixed(3)} (target ≥ 0.85); hmac-sha256/unsigned ${r(hmac, off).toFixed(3)}`;
    ed.note = `ed25519/hedge-v1 ${r(ed, v1).toFixed(3)} (target ≥ 1.00 within noise)`;
    process.stderr.write(`  unsigned vs non-partner: ${r(off, np).toFixed(3)}; hmac-sha256 vs unsigned: ${r(hmac, off).toFixed(3)}\n`);
    process.stderr.write(
      `  hmac-sha256 vs non-partner: ${r(hmac, np).toFixed(3)}; ed25519 vs hedge-v1: ${r(ed, v1).toFixed(3)}; ed25519 vs non-partner: ${r(ed, np).toFixed(3)}\n`,
    );
  } finally {
    await ctx.stop(h.proc);
  }
}
