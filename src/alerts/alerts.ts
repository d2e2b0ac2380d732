// Alerts: the one way any part of hedge says "a human should look at this".
// Each alert is a log line at error level, a metric, and (optionally) a JSON
// POST to a webhook, retried with backoff and bounded in time and memory.
// Fields name attributes, headers, partners and policy versions — never
// identifier values; the same rule as logs.
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../shared/log.js';
import { WebhookSender, type WebhookConfig } from './webhook.js';
import type { AlertEvent, AlertFields } from './event.js';

export type { AlertEvent, AlertFields };

export interface AlertsOptions {
  log: Logger;
  registry: Registry;
  webhook?: WebhookConfig | undefined;
  nodeId?: string | undefined;
  /** How many recent alerts GET /alerts keeps (default 100). */
  keep?: number;
}

export type AlertListener = (e: AlertEvent) => void;

export class Alerts {
  private readonly counter: Counter<'kind'>;
  private readonly webhook: WebhookSender | undefined;
  private readonly listeners = new Set<AlertListener>();
  private readonly recentEvents: AlertEvent[] = [];
  private readonly keep: number;

  constructor(private readonly opts: AlertsOptions) {
    this.keep = opts.keep ?? 100;
    this.counter = new Counter({ name: 'hedge_alerts_total', help: 'Alerts raised, by kind', labelNames: ['kind'], registers: [opts.registry] });
    this.webhook = opts.webhook ? new WebhookSender(opts.webhook, opts.log, opts.registry, opts.nodeId) : undefined;
  }

  raise(kind: string, message: string, fields: AlertFields = {}): AlertEvent {
    const e: AlertEvent = { kind, message, fields, time: new Date().toISOString() };
    this.opts.log.error(`alert: ${message}`, { alert: kind, ...fields });
    this.counter.labels(kind).inc();
    this.recentEvents.push(e);
    if (this.recentEvents.length > this.keep) this.recentEvents.shift();
    this.webhook?.send(e);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure must not stop the alert reaching the others.
      }
    }
    return e;
  }

  /**
   * An alert another process raised, counted and sent (a --workers primary's, for the whole cluster): kept for
   * GET /alerts here, and nothing else — no log line, count, webhook or listener, which would say it twice.
   */
  note(kind: string, message: string, fields: AlertFields = {}): AlertEvent {
    const e: AlertEvent = { kind, message, fields, time: new Date().toISOString() };
    this.recentEvents.push(e);
    if (this.recentEvents.length > this.keep) this.recentEvents.shift();
    return e;
  }

  /** Subscribes to alerts (the canary counts guard hits this way); returns the unsubscribe function. */
  on(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent(): readonly AlertEvent[] {
    return this.recentEvents;
  }

  /** Waits until queued webhook deliveries are done (sent or given up). */
  flush(): Promise<void> {
    return this.webhook?.flush() ?? Promise.resolve();
  }

  /** Stops retrying; pending deliveries get `graceMs` to finish. */
  async close(graceMs = 2000): Promise<void> {
    await this.webhook?.close(graceMs);
  }
}
