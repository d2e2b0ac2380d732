// Fail-closed accounting for the binding store: every failed lookup is counted
// (hedge_binding_store_errors_total{store}); an outage raises the
// `binding-store-unavailable` alert when it starts and at most every 60 s
// while it lasts (with how many lookups failed meanwhile); its end is logged.
// Never a value in any of it.
import type { Metrics } from '../shared/metrics.js';
import type { Logger } from '../shared/log.js';
import type { Alerts } from '../alerts/alerts.js';

export const ALERT_BINDING_STORE = 'binding-store-unavailable';

export class BindingStoreHealth {
  /** The store's kind, for metric labels and logs (set once the store exists). */
  store = 'unknown';
  private lastAlert = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly alerts: Alerts,
    private readonly now: () => number = Date.now,
  ) {}

  lookupFailed(err: unknown): void {
    this.metrics.bindingStoreError(this.store);
    const t = this.now();
    if (t - this.lastAlert < 60_000) {
      this.suppressed++;
      return;
    }
    this.alerts.raise(ALERT_BINDING_STORE, 'binding store unavailable: requests continue without enrichment', {
      store: this.store,
      code: (err as { code?: string })?.code,
      failedSinceLastAlert: this.suppressed,
    });
    this.lastAlert = t;
    this.suppressed = 0;
  }

  connection(state: 'up' | 'down', reason?: string): void {
    if (state === 'down') {
      this.alerts.raise(ALERT_BINDING_STORE, 'binding store connection lost: enrichment stops until it returns', { store: this.store, reason });
      this.lastAlert = this.now();
    } else {
      this.log.info('binding store connected', { store: this.store });
      this.lastAlert = -Infinity; // a new outage alerts at once
    }
  }
}
