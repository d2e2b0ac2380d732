// The audit record of an egress-guard hit (a prevented leak): which headers,
// attributes and reasons, for which destination and subscriber — names only,
// never the values the guard removed.
import type { GuardHit } from '../pipeline/egress-hits.js';
import type { Flow } from '../pipeline/flow.js';
import type { AuditEvent } from './audit-log.js';

export function guardHitEvent(hits: readonly GuardHit[], f: { id: string; clientAddress: string }): AuditEvent {
  const flow = f as Partial<Flow> & { id: string; clientAddress: string };
  return {
    type: 'guard-hit',
    requestId: flow.id,
    host: flow.target?.host,
    partner: flow.partner?.id,
    policyVersion: flow.policy?.version,
    subscriber: flow.subscriber,
    clientAddress: flow.clientAddress,
    detail: {
      port: flow.target?.port,
      action: hits.some((h) => h.action === 'refused') ? 'refused' : 'stripped',
      hits: hits.map((h) => ({ header: h.header, attribute: h.attribute, encoding: h.encoding ?? null, reason: h.reason, action: h.action, partner: h.partner ?? null })),
    },
  };
}
