// RADIUS listener metrics, registered on the node's registry. Labels name
// outcomes and NAS clients by their configured name, never subscriber data.
import { Counter, type Registry } from 'prom-client';
import type { NumberRefusal } from '../../subscriber/normalize.js';
import { STALE_REASONS, type StaleReason } from './freshness.js';

export type PacketResult = 'accepted' | 'duplicate' | 'unknown_client' | 'bad_authenticator' | 'malformed' | 'unsupported_code' | 'store_error';

export class RadiusMetrics {
  private readonly packets: Counter<'result'>;
  private readonly accounting: Counter<'status' | 'outcome'>;
  private readonly numbers: Counter<'reason'>;
  private readonly dropped: Counter<'attribute'>;
  private readonly staleCounter: Counter<'status' | 'reason'>;
  private readonly cache = new Map<string, { inc(n?: number): void }>();

  constructor(registry: Registry) {
    this.packets = new Counter({
      name: 'hedge_radius_packets_total',
      help: 'RADIUS datagrams received, by result (dropped ones are never answered)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.accounting = new Counter({
      name: 'hedge_radius_accounting_total',
      help: 'Accounting requests applied, by Acct-Status-Type and what they did to the bindings',
      labelNames: ['status', 'outcome'],
      registers: [registry],
    });
    this.numbers = new Counter({
      name: 'hedge_radius_numbers_refused_total',
      help: 'Calling-Station-Id values that are not a valid mobile number (acknowledged, nothing bound), by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const r of ['not_a_number', 'invalid', 'not_mobile', 'not_international'] as const) this.numbers.labels(r).inc(0);
    this.dropped = new Counter({
      name: 'hedge_radius_attributes_dropped_total',
      help: 'Malformed or unusable attributes (IPv6 and IPv4 addresses, NAS addresses, 3GPP-RAT-Type, 3GPP-IMSI) ignored in otherwise valid accounting requests, by attribute',
      labelNames: ['attribute'],
      registers: [registry],
    });
    this.staleCounter = new Counter({
      name: 'hedge_radius_stale_total',
      help: 'Start and Interim-Update requests acknowledged but not applied because of their event time (Event-Timestamp / Acct-Delay-Time), by reason',
      labelNames: ['status', 'reason'],
      registers: [registry],
    });
    for (const s of ['start', 'interim']) for (const r of STALE_REASONS) this.staleCounter.labels(s, r).inc(0);
    for (const r of ['accepted', 'duplicate', 'unknown_client', 'bad_authenticator', 'malformed', 'unsupported_code', 'store_error'] as const) this.packets.labels(r).inc(0);
  }

  packet(result: PacketResult): void {
    let c = this.cache.get(result);
    if (!c) this.cache.set(result, (c = this.packets.labels(result)));
    c.inc();
  }

  numberRefused(reason: NumberRefusal): void {
    this.numbers.labels(reason).inc();
  }

  stale(status: string, reason: StaleReason): void {
    this.staleCounter.labels(status, reason).inc();
  }

  attributeDropped(attribute: string): void {
    this.dropped.labels(attribute).inc();
  }

  applied(status: string, outcome: string): void {
    const k = `${status}:${outcome}`;
    let c = this.cache.get(k);
    if (!c) this.cache.set(k, (c = this.accounting.labels(status, outcome)));
    c.inc();
  }
}
