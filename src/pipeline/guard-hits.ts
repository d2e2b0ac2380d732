// Turning egress-guard hits into what an operator sees: a counter per header,
// attribute, reason and action, and an alert (error log line + metric +
// webhook). In-process listeners (the canary) also see which flow it was.
import { Counter, type Registry } from 'prom-client';
import type { GuardHit, GuardHitSink } from './egress-hits.js';
import type { Alerts } from '../alerts/alerts.js';

type Listener = (hits: readonly GuardHit[], flow: { id: string; clientAddress: string }) => void;

export class GuardHits {
  private readonly counter: Counter<'header' | 'attribute' | 'reason' | 'action'>;
  private readonly listeners = new Set<Listener>();
  private readonly children = new Map<string, { inc(): void }>();
  /** The sink the guard stage calls. */
  readonly sink: GuardHitSink;

  constructor(registry: Registry, alerts: Alerts) {
    this.counter = new Counter({
      name: 'hedge_egress_guard_hits_total',
      help: 'Identifying data the egress guard removed (or refused) because the policy did not grant it, by header, attribute, reason and action',
      labelNames: ['header', 'attribute', 'reason', 'action'],
      registers: [registry],
    });
    this.sink = (hits, flow) => {
      for (const h of hits) this.count(h);
      const refused = hits.some((h) => h.action === 'refused');
      alerts.raise(
        'egress-guard',
        refused ? 'egress guard refused a request the gateway changed to carry an identifier' : 'egress guard removed identifying data the policy did not grant',
        {
          host: flow.target.host,
          headers: [...new Set(hits.map((h) => h.header))],
          attributes: [...new Set(hits.map((h) => h.attribute))],
          reasons: [...new Set(hits.map((h) => h.reason))],
          partners: [...new Set(hits.map((h) => h.partner).filter((p): p is string => p !== undefined))],
          action: refused ? 'refused' : 'stripped',
          flow: flow.id,
        },
      );
      for (const l of this.listeners) l(hits, flow);
    };
  }

  private count(h: GuardHit): void {
    const key = `${h.header}\n${h.attribute}\n${h.reason}\n${h.action}`;
    let c = this.children.get(key);
    if (!c) {
      c = this.counter.labels(h.header, h.attribute, h.reason, h.action);
      this.children.set(key, c);
    }
    c.inc();
  }

  /** In-process subscription (the canary); returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
