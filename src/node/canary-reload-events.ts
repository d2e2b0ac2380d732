// Audit events for canary runs and policy reloads (attempted, applied or
// refused), with the exposure diff summary. Names and versions only.
import type { CanaryResult } from '../canary/canary.js';
import type { ReloadResult } from './reload.js';
import type { AuditEvent, LandedRecord } from '../audit/audit-log.js';

export function canaryEvent(r: CanaryResult): AuditEvent {
  return {
    type: 'canary',
    policyVersion: r.policyVersion,
    detail: {
      result: r.ok ? 'pass' : 'fail',
      trigger: r.trigger,
      checks: r.checks,
      failures: r.failures,
      findings: r.findings
        .filter((f) => f.severity === 'failure')
        .map((f) => ({ host: f.host, partner: f.partner ?? null, kind: f.kind, header: f.header ?? null, attribute: f.attribute ?? null })),
    },
  };
}

/**
 * `abandons`: a refused reload whose "applied" record was committed after the reload had given up on it (a commit
 * that outlived audit.commitTimeoutMs): the event says `abandoned` and names that record, which reports then skip.
 */
export function reloadEvent(r: ReloadResult, abandons?: LandedRecord): AuditEvent {
  return {
    type: 'policy-reload',
    policyVersion: r.result === 'applied' ? r.to : r.from,
    detail: {
      result: abandons ? 'abandoned' : r.result,
      ...(abandons && { abandons: { seq: abandons.seq, hash: abandons.hash } }),
      trigger: r.trigger,
      from: r.from,
      to: r.to ?? null,
      file: r.file,
      stage: r.stage ?? null,
      reason: r.reason ?? null,
      exposure: r.exposure ? { widens: r.exposure.widens, summary: r.exposure.text, changes: r.exposure.lines } : null,
      canary: r.canary ? (r.canary.ok ? 'pass' : 'fail') : null,
    },
  };
}
