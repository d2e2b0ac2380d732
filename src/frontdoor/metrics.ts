// Front-door metrics: flows and answers by partner and outcome, refusals by
// reason, malformed connections. Labels name partners, steps and outcomes —
// never a number, address or token.
import { Counter, type Registry } from 'prom-client';
import type { ConnectionRefusal } from '../shared/listener-limits.js';
import type { ParserRefusal } from '../shared/parser-refusal.js';
import type { ExpectationRefusal } from '../shared/expect.js';

export type FlowStep = 'authorize' | 'token' | 'api';

export class FrontDoorMetrics {
  private readonly flows: Counter<'step' | 'partner' | 'outcome'>;
  private readonly answers: Counter<'partner' | 'api' | 'outcome'>;
  private readonly connections: Counter<'via' | 'outcome'>;
  private readonly refused: Counter<'reason'>;
  private readonly refusals: Counter<'reason'>;
  private readonly cache = new Map<string, { inc(): void }>();

  constructor(registry: Registry) {
    this.flows = new Counter({
      name: 'hedge_frontdoor_requests_total',
      help: 'Front-door OIDC and API requests by step, partner (client) and outcome (ok or the OIDC/CAMARA error code)',
      labelNames: ['step', 'partner', 'outcome'],
      registers: [registry],
    });
    this.answers = new Counter({
      name: 'hedge_frontdoor_answers_total',
      help: 'CAMARA answers given, by partner, API and outcome (verified/not_verified, shared, true/false/not_available); never the values asked about',
      labelNames: ['partner', 'api', 'outcome'],
      registers: [registry],
    });
    this.connections = new Counter({
      name: 'hedge_frontdoor_connections_total',
      help: 'Front-door connections by how they arrived (direct, proxy-protocol, internal hop from the forward proxy) and outcome',
      labelNames: ['via', 'outcome'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'hedge_frontdoor_connections_refused_total',
      help: 'Front-door connections closed at accept: over the total or the per-client (address, IPv6 /64) cap',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.refusals = new Counter({
      name: 'hedge_frontdoor_refusals_total',
      help: 'Front-door requests refused by the HTTP parser: malformed (400), headers_too_large (431), timeout (408: head or body too slow); or for an Expect other than 100-continue: expectation (417); then closed',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  /** A request the HTTP parser refused, or one not sent in time (answered 400, 431 or 408 and closed), or with an expectation other than 100-continue (417). */
  parserRefusal(reason: ParserRefusal | ExpectationRefusal): void {
    this.refusals.inc({ reason });
  }

  connectionRefused(reason: ConnectionRefusal): void {
    this.refused.inc({ reason });
  }

  step(step: FlowStep, partner: string, outcome: string): void {
    this.child(`s\u0000${step}\u0000${partner}\u0000${outcome}`, () => this.flows.labels(step, partner, outcome)).inc();
  }

  answer(partner: string, api: string, outcome: string): void {
    this.child(`a\u0000${partner}\u0000${api}\u0000${outcome}`, () => this.answers.labels(partner, api, outcome)).inc();
  }

  connection(via: 'direct' | 'proxy-protocol' | 'internal', outcome: string): void {
    this.child(`c\u0000${via}\u0000${outcome}`, () => this.connections.labels(via, outcome)).inc();
  }

  private child(key: string, make: () => { inc(): void }): { inc(): void } {
    let c = this.cache.get(key);
    if (!c) {
      if (this.cache.size > 10_000) this.cache.clear(); // bounded: labels come from config, but stay safe
      this.cache.set(key, (c = make()));
    }
    return c;
  }
}
