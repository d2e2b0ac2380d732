// The counter and the alert of a policy reload's result, in one place: a
// gateway's reloader (node/reload.ts) counts and alerts what it settles, and a
// --workers primary counts and alerts a result no worker was serving to hear
// (node/cluster-reload.ts) — the same metric, labels and alert, so the alerts
// and dashboards on them read both, and the cluster's scrape sums them
// (cluster/cluster-metrics.ts).
import { Counter, type Registry } from 'prom-client';
import type { AlertFields, Alerts } from '../alerts/alerts.js';

export type ReloadCounter = Counter<'result' | 'trigger'>;

/** The fields of a reload's result (node/reload.ts's ReloadResult) the counter and the alert read. */
export interface SettledReload {
  result: 'applied' | 'unchanged' | 'refused';
  trigger: string;
  stage?: string | undefined;
  reason?: string | undefined;
  from: string;
  to: string | undefined;
  file: string;
}

export function reloadCounter(registry: Registry): ReloadCounter {
  return new Counter({
    name: 'hedge_policy_reloads_total',
    help: 'Policy reload attempts by result (applied, unchanged, refused) and trigger',
    labelNames: ['result', 'trigger'],
    registers: [registry],
  });
}

/** Counts the result; a refusal raises `policy-reload-refused` (log line, hedge_alerts_total, webhook). */
export function countAndAlert(r: SettledReload, counter: ReloadCounter, alerts: Alerts): void {
  counter.labels(r.result, r.trigger).inc();
  if (r.result === 'refused') alerts.raise(...refusedAlert(r));
}

/**
 * A refusal the --workers primary counted and alerted for the cluster: kept in this worker's GET /alerts as it
 * would have been had the worker raised it, and not counted or sent again.
 */
export function noteCountedElsewhere(r: SettledReload, alerts: Alerts): void {
  if (r.result === 'refused') alerts.note(...refusedAlert(r));
}

function refusedAlert(r: SettledReload): [string, string, AlertFields] {
  return ['policy-reload-refused', `policy reload refused at ${r.stage}: ${r.reason ?? ''}`.trim(), { trigger: r.trigger, stage: r.stage, from: r.from, to: r.to, file: r.file }];
}
