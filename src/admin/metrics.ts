// Counters of the admin API's refusals: connections closed at accept (by
// which cap) and requests refused (by a bounded reason) — never an address,
// a path or a value. A steady rate of either is someone probing or holding
// the API: it listens where bindings can be written.
import { Counter, type Registry } from 'prom-client';
import type { ConnectionRefusal } from '../shared/listener-limits.js';

/** Why the admin API refused a request. */
export type AdminRefusal = 'malformed' | 'timeout' | 'headers_too_large' | 'expectation' | 'body_too_large' | 'unauthorized' | 'forbidden' | 'invalid';

/** The refusal an answer's status stands for (answers with any other status are not refusals). */
const BY_STATUS: Readonly<Record<number, AdminRefusal>> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  405: 'invalid',
  413: 'body_too_large',
  415: 'invalid',
  421: 'forbidden',
};

export class AdminMetrics {
  private readonly connections: Counter<'reason'>;
  private readonly refusals: Counter<'reason'>;

  constructor(registry: Registry) {
    this.connections = new Counter({
      name: 'hedge_admin_connections_refused_total',
      help: 'Connections to the admin API closed at accept: over the total (reason="total") or per-client (reason="per_address") cap',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.refusals = new Counter({
      name: 'hedge_admin_refusals_total',
      help: 'Admin API requests refused: malformed, timeout, headers_too_large (cut by the parser); expectation (417: an Expect other than 100-continue); body_too_large, unauthorized, forbidden, invalid (answered 4xx)',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  connectionRefused(reason: ConnectionRefusal): void {
    this.connections.inc({ reason });
  }

  refused(reason: AdminRefusal): void {
    this.refusals.inc({ reason });
  }

  /** Counts a finished answer whose status is a refusal. */
  answered(status: number): void {
    const reason = BY_STATUS[status];
    if (reason) this.refusals.inc({ reason });
  }
}
