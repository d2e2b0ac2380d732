// Counters of the subscriber's page: outcomes and consent choices, by partner
// at most — never an address or a number — and connections refused at accept,
// by which cap.
import { Counter, type Registry } from 'prom-client';
import type { ConnectionRefusal } from '../shared/listener-limits.js';

export class TransparencyMetrics {
  private readonly requests: Counter<'outcome'>;
  private readonly consents: Counter<'outcome'>;
  private readonly refused: Counter<'reason'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'hedge_transparency_requests_total',
      help: 'Transparency page requests by outcome (recognised, unknown, refused, wrong_host, rate_limited, malformed, timeout, headers_too_large, expectation, store_unavailable)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.consents = new Counter({
      name: 'hedge_consent_choices_total',
      help: 'Consent choices on the transparency page by outcome (given, withdrawn, failed, refused_*)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'hedge_transparency_connections_refused_total',
      help: 'Connections to the transparency page closed at accept: over the total (reason="total") or per-client (reason="per_address") cap',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  connectionRefused(reason: ConnectionRefusal): void {
    this.refused.inc({ reason });
  }

  request(outcome: string): void {
    this.requests.inc({ outcome });
  }

  consent(outcome: string): void {
    this.consents.inc({ outcome });
  }
}
