// Counters of the subscriber's page: outcomes and consent choices, by partner
// at most — never an address or a number.
import { Counter, type Registry } from 'prom-client';

export class TransparencyMetrics {
  private readonly requests: Counter<'outcome'>;
  private readonly consents: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'hedge_transparency_requests_total',
      help: 'Transparency page requests by outcome (recognised, unknown, refused, rate_limited, malformed, store_unavailable)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.consents = new Counter({
      name: 'hedge_consent_choices_total',
      help: 'Consent choices on the transparency page by outcome (given, withdrawn, failed, refused_*)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  request(outcome: string): void {
    this.requests.inc({ outcome });
  }

  consent(outcome: string): void {
    this.consents.inc({ outcome });
  }
}
