// The operator's `subscribers.static` bindings, kept in the store for as long
// as the node runs. A shared store can lose them behind hedge's back — Redis
// restarted without persistence, a failover to an empty replica, a FLUSHALL —
// and nothing else would ever write them again: enrichment would silently stop
// for those subscribers. So this is the one place that seeds them (at start),
// checks them (when the store comes back, and every `staticCheckSeconds`
// while it is up), writes back any that are missing, and raises the
// `static-bindings-missing` alert when it had to. Never a value in a log,
// metric or alert: counts only.
import type { Alerts } from '../alerts/alerts.js';
import type { Logger } from '../shared/log.js';
import type { Config } from '../config/schema.js';
import { normalizeSubscriber } from '../subscriber/normalize.js';
import { bindingKey } from '../shared/binding-key.js';
import type { BindingRecord, BindingStore } from './store.js';

export const ALERT_STATIC_BINDINGS = 'static-bindings-missing';

export interface StaticCheck {
  configured: number;
  /** Missing when last checked (0 once restored). */
  missing: number;
  /** Written back by this check. */
  restored: number;
}

export interface StaticBindingsDeps {
  store: BindingStore;
  records: readonly BindingRecord[];
  alerts: Alerts;
  log: Logger;
  /** Period of the check while the store is up; 0: only at start and when the store comes back. */
  intervalMs: number;
}

export class StaticBindings {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<StaticCheck | undefined> | undefined;
  private again = false;
  private restoredTotal = 0;
  private missingNow = 0;

  constructor(private readonly deps: StaticBindingsDeps) {}

  get configured(): number {
    return this.deps.records.length;
  }

  /** Missing at the last check that could read the store. */
  get missing(): number {
    return this.missingNow;
  }

  /** Written back since start (not counting the seeding at start). */
  get restored(): number {
    return this.restoredTotal;
  }

  /**
   * What a process does with them at start (the single node and the cluster
   * primary alike): seed them, then keep checking. Call it once the object is
   * where the store's reconnect hook finds it, so a store that comes back
   * while seeding still gets a check.
   */
  async begin(): Promise<void> {
    await this.seed();
    this.start();
  }

  /** Writes every static binding (at start: they replace whatever held those addresses). */
  private async seed(): Promise<void> {
    for (const r of this.deps.records) {
      try {
        await this.deps.store.set({ ...r });
      } catch (err) {
        this.missingNow++;
        this.deps.log.error('static binding not stored', { store: this.deps.store.kind, code: (err as { code?: string }).code });
      }
    }
  }

  /** Starts the periodic check (no-op without static bindings or with a 0 interval). */
  private start(): void {
    if (this.deps.records.length === 0 || this.deps.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.check('interval'), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The store's connection came back: check (and restore) at once. */
  storeUp(): void {
    void this.check('reconnect');
  }

  /**
   * Reads every static binding; writes back the ones that are absent (a
   * binding another source wrote meanwhile is left alone: RADIUS or the admin
   * API may legitimately hold the address now). Serialised; a check asked for
   * while one runs runs once more after it. Undefined when the store could not
   * answer (its own outage alert covers that).
   */
  check(trigger: 'interval' | 'reconnect' | 'manual'): Promise<StaticCheck | undefined> {
    if (this.deps.records.length === 0) return Promise.resolve({ configured: 0, missing: 0, restored: 0 });
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const p = this.checkOnce(trigger).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.check(trigger);
      }
    });
    this.running = p;
    return p;
  }

  private async checkOnce(trigger: string): Promise<StaticCheck | undefined> {
    const { store, records, log, alerts } = this.deps;
    let missing = 0;
    let restored = 0;
    try {
      for (const r of records) {
        if (await store.get(r.ip)) continue;
        missing++;
        await store.set({ ...r });
        restored++;
      }
    } catch (err) {
      log.warn('static bindings could not be checked: the binding store did not answer', { store: store.kind, code: (err as { code?: string }).code });
      this.missingNow = Math.max(this.missingNow, missing - restored);
      return undefined;
    }
    this.missingNow = missing - restored;
    this.restoredTotal += restored;
    if (missing > 0)
      alerts.raise(ALERT_STATIC_BINDINGS, 'static bindings were missing from the binding store (store restarted or flushed?); written back', {
        store: store.kind,
        trigger,
        configured: records.length,
        missing,
        restored,
      });
    return { configured: records.length, missing: this.missingNow, restored };
  }
}

/** The static bindings of a config, normalised once. */
export function staticBindingsOf(config: Config, deps: Pick<StaticBindingsDeps, 'store' | 'alerts' | 'log'>): StaticBindings {
  const records = config.subscribers.static.map((b) => ({ ip: bindingKey(b.ip) ?? b.ip, subscriber: normalizeSubscriber(b, config.operator.country, 'static') }));
  return new StaticBindings({ ...deps, records, intervalMs: config.subscribers.staticCheckSeconds * 1000 });
}
