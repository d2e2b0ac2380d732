// A subscriber's own choices about partners: consent withdrawn (legal basis
// "consent") or an objection (any other basis) — both mean "send this partner
// nothing about me". Keyed by the subscriber's number, not by an address, so a
// choice outlives every RADIUS session and address change. Stored next to the
// bindings (memory, or the same Redis), read on the request path only when a
// partner matched, and bounded in staleness like bindings: a choice made on
// one node applies on every node within subscribers.maxStaleMs.
export interface ConsentStore {
  readonly kind: string;
  /** Partner ids this subscriber has withdrawn from (sync when known locally). */
  withdrawn(msisdn: string): ReadonlySet<string> | Promise<ReadonlySet<string>>;
  /** Records a choice durably before resolving: given = true gives consent (again), false withdraws it. */
  set(msisdn: string, partnerId: string, given: boolean): Promise<void>;
  close(): void | Promise<void>;
}

export const NONE: ReadonlySet<string> = new Set();

/** The embedded store: one process (so `hedge start --workers N` refuses the subscriber page with the memory store: config/workers.ts). */
export class MemoryConsentStore implements ConsentStore {
  readonly kind = 'memory';
  private readonly map = new Map<string, Set<string>>();

  withdrawn(msisdn: string): ReadonlySet<string> {
    return this.map.get(msisdn) ?? NONE;
  }

  async set(msisdn: string, partnerId: string, given: boolean): Promise<void> {
    let s = this.map.get(msisdn);
    if (given) {
      s?.delete(partnerId);
      if (s?.size === 0) this.map.delete(msisdn);
      return;
    }
    if (!s) this.map.set(msisdn, (s = new Set()));
    s.add(partnerId);
  }

  close(): void {}
}
