// Counters of the leak checker's refusals, on both its listeners together:
// connections closed at accept (by which cap) and requests refused (by a
// bounded reason) — never an address, a path or a value. The checker is
// public: a steady rate of either is someone probing or holding it.
import { Counter, type Registry } from 'prom-client';
import type { ConnectionRefusal } from '../shared/listener-limits.js';
import type { ParserRefusal } from '../shared/parser-refusal.js';
import type { ExpectationRefusal } from '../shared/expect.js';

/**
 * Why the checker refused a request: cut by the parser (malformed, timeout,
 * headers_too_large), an Expect other than 100-continue (expectation, 417),
 * a TLS handshake that failed (tls_handshake; one too
 * slow is a timeout), or over the rate limit (rate_limited, 429).
 */
export type CheckerRefusal = ParserRefusal | ExpectationRefusal | 'tls_handshake' | 'rate_limited';

export class CheckerMetrics {
  private readonly connections: Counter<'reason'>;
  private readonly refusals: Counter<'reason'>;

  constructor(registry: Registry) {
    this.connections = new Counter({
      name: 'hedge_checker_connections_refused_total',
      help: 'Connections to the leak checker closed at accept: over the total (reason="total") or per-client (reason="per_address") cap',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.refusals = new Counter({
      name: 'hedge_checker_refusals_total',
      help: 'Leak checker requests refused: malformed, timeout, headers_too_large (cut by the parser), expectation (417: an Expect other than 100-continue), tls_handshake (a failed TLS handshake), rate_limited (429)',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  connectionRefused(reason: ConnectionRefusal): void {
    this.connections.inc({ reason });
  }

  refused(reason: CheckerRefusal): void {
    this.refusals.inc({ reason });
  }
}
