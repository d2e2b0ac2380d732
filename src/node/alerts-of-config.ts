// The alerts of one process with the configured webhook (alerts.webhook): a
// gateway's, and a --workers primary's — which raises what happens while no
// worker serves (a reload refused then: node/cluster-reload.ts) and must not
// wait for a worker to say it.
import { Alerts } from '../alerts/alerts.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/log.js';
import type { Registry } from 'prom-client';

export function alertsOf(config: Config, o: { log: Logger; registry: Registry; nodeId: string }): Alerts {
  const wh = config.alerts.webhook;
  return new Alerts({
    log: o.log,
    registry: o.registry,
    nodeId: o.nodeId,
    webhook: wh && { url: wh.url, timeoutMs: wh.timeoutMs, retries: wh.retries, minIntervalMs: wh.minIntervalSeconds * 1000, headers: wh.headers },
  });
}
