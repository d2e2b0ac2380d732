// The switch `canary.onFailure: disable-enrichment` flips: while off, no flow
// is enriched (the enrichment-switch stage marks it), except the canary's
// own, so the canary keeps testing what enrichment would do and can turn it
// back on when a run passes.
export class EnrichmentSwitch {
  enabled = true;
  /** Why it is off (names only), for the admin API. */
  reason: string | undefined = undefined;
  since: number | undefined = undefined;

  disable(reason: string): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.reason = reason;
    this.since = Date.now();
  }

  enable(): void {
    this.enabled = true;
    this.reason = undefined;
    this.since = undefined;
  }
}
