// Delivering alerts to a webhook: JSON POST, per-attempt timeout, bounded
// retries with exponential backoff, a bounded queue, and coalescing so a
// storm of one kind of alert becomes one POST per interval with a count.
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../shared/log.js';
import type { AlertEvent } from './event.js';

export interface WebhookConfig {
  url: string;
  timeoutMs: number;
  retries: number;
  /** Same-kind alerts within this window are coalesced into one delivery with a count. */
  minIntervalMs: number;
  headers?: Record<string, string> | undefined;
  /** First retry delay; doubles each attempt (default 500 ms). */
  backoffMs?: number | undefined;
}

const MAX_QUEUE = 100;

interface Pending {
  event: AlertEvent;
  count: number;
}

export class WebhookSender {
  private readonly lastSent = new Map<string, number>();
  private readonly held = new Map<string, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private queued = 0;
  private closed = false;
  private readonly delivered: Counter<'result'>;

  constructor(
    private readonly cfg: WebhookConfig,
    private readonly log: Logger,
    registry: Registry,
    private readonly nodeId: string | undefined,
  ) {
    this.delivered = new Counter({
      name: 'hedge_alert_webhook_deliveries_total',
      help: 'Alert webhook deliveries by result (sent, failed after retries, dropped when the queue was full)',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  send(e: AlertEvent): void {
    if (this.closed) return;
    const now = Date.now();
    const last = this.lastSent.get(e.kind);
    if (last !== undefined && now - last < this.cfg.minIntervalMs) {
      const held = this.held.get(e.kind);
      if (held) {
        held.count++;
        held.event = e;
        return;
      }
      this.held.set(e.kind, { event: e, count: 1 });
      const t = setTimeout(
        () => {
          this.timers.delete(t);
          const p = this.held.get(e.kind);
          this.held.delete(e.kind);
          if (p) this.deliver(p.event, p.count);
        },
        this.cfg.minIntervalMs - (now - last),
      );
      t.unref();
      this.timers.add(t);
      return;
    }
    this.deliver(e, 1);
  }

  private deliver(e: AlertEvent, count: number): void {
    if (this.queued >= MAX_QUEUE) {
      this.delivered.labels('dropped').inc();
      return;
    }
    this.lastSent.set(e.kind, Date.now());
    this.queued++;
    const p = this.attempts(e, count).finally(() => {
      this.queued--;
      this.inflight.delete(p);
    });
    this.inflight.add(p);
  }

  private async attempts(e: AlertEvent, count: number): Promise<void> {
    const body = JSON.stringify({ ...e, count, node: this.nodeId, source: 'hedge' });
    let delay = this.cfg.backoffMs ?? 500;
    for (let attempt = 0; attempt <= this.cfg.retries; attempt++) {
      try {
        const r = await fetch(this.cfg.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.cfg.headers },
          body,
          signal: AbortSignal.timeout(this.cfg.timeoutMs),
        });
        await r.arrayBuffer().catch(() => undefined);
        if (r.ok) {
          this.delivered.labels('sent').inc();
          return;
        }
        // 4xx other than 408/429 will not get better by retrying.
        if (r.status < 500 && r.status !== 408 && r.status !== 429) break;
      } catch {
        // network error or timeout: retry
      }
      if (this.closed || attempt === this.cfg.retries) break;
      await this.sleep(delay);
      delay *= 2;
    }
    this.delivered.labels('failed').inc();
    this.log.warn('alert webhook delivery failed', { alert: e.kind, attempts: this.cfg.retries + 1 });
  }

  /** A backoff wait that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(() => {
        this.sleepers.delete(wake);
        res();
      }, ms);
      const wake = () => {
        clearTimeout(t);
        res();
      };
      this.sleepers.add(wake);
    });
  }

  async flush(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  async close(graceMs: number): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}
