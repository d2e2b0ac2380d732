// Expiry as metrics, so alerts can warn before the day rather than log on it:
// each partner's `until:` and the notAfter of each partner CA certificate hedge
// trusts. Computed at scrape time from the policy in force (parsed once per policy).
import { X509Certificate } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { CompiledPolicy } from './compile.js';

const certsOf = new WeakMap<CompiledPolicy, { partner: string; notAfter: number }[]>();

function partnerCaExpiries(policy: CompiledPolicy): { partner: string; notAfter: number }[] {
  let out = certsOf.get(policy);
  if (out) return out;
  out = [];
  for (const p of policy.partners) {
    if (!p.ca) continue;
    // A CA file may hold several certificates: the first to expire is the one that matters.
    const pems = p.ca.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    let soonest = Infinity;
    for (const pem of pems) {
      try {
        soonest = Math.min(soonest, Date.parse(new X509Certificate(pem).validTo));
      } catch {
        // unparseable: the TLS handshake to this partner reports it
      }
    }
    if (Number.isFinite(soonest)) out.push({ partner: p.id, notAfter: soonest });
  }
  certsOf.set(policy, out);
  return out;
}

export function registerExpiryMetrics(registry: Registry, policy: () => CompiledPolicy): void {
  new Gauge({
    name: 'hedge_partner_grants_expiry_timestamp_seconds',
    help: "When a partner's grants end (its until: date), by partner; partners without until: have no sample",
    labelNames: ['partner'],
    registers: [registry],
    aggregator: 'min', // --workers: every worker has the same policy; never a sum of timestamps
    collect() {
      this.reset();
      for (const p of policy().partners) if (p.until !== undefined) this.labels(p.id).set(p.until / 1000);
    },
  });
  new Gauge({
    name: 'hedge_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the certificates hedge trusts, by partner and kind (partner-ca: the first to expire in its ca: file)',
    labelNames: ['partner', 'kind'],
    registers: [registry],
    aggregator: 'min',
    collect() {
      this.reset();
      for (const c of partnerCaExpiries(policy())) this.labels(c.partner, 'partner-ca').set(c.notAfter / 1000);
    },
  });
}
