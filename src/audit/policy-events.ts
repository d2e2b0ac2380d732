// What a policy exposes, for policy load/reload audit events: per partner the
// hosts and (attribute, form) grants, and the difference between two policies
// ("who may now receive what"). Names only — never values or secrets.
import type { CompiledPolicy } from '../policy/compile.js';

/**
 * One grant added or removed, as policy-load/reload audit events record it.
 * Not policy/diff.ts's ExposureChange (per host and attribute, how revealing):
 * stored audit records keep this shape, and incident reports read it.
 */
export interface GrantChange {
  partner: string;
  hosts: string[];
  grant: string;
  change: 'added' | 'removed';
}

function grants(p: CompiledPolicy | undefined): Map<string, { partner: string; hosts: string[]; grant: string }> {
  const m = new Map<string, { partner: string; hosts: string[]; grant: string }>();
  for (const partner of p?.partners ?? []) {
    const hosts = partner.hosts.map((h) => h.text).sort();
    for (const g of partner.grants) {
      const grant = `${g.attribute}/${g.form}`;
      m.set(`${partner.id}|${hosts.join(',')}|${grant}`, { partner: partner.id, hosts, grant });
    }
  }
  return m;
}

/** Grants added and removed going from `before` to `after` (a partner whose hosts changed shows as removed + added). */
export function policyExposure(before: CompiledPolicy | undefined, after: CompiledPolicy): { added: number; removed: number; changes: GrantChange[] } {
  const a = grants(before);
  const b = grants(after);
  const changes: GrantChange[] = [];
  for (const [k, v] of b) if (!a.has(k)) changes.push({ ...v, change: 'added' });
  for (const [k, v] of a) if (!b.has(k)) changes.push({ ...v, change: 'removed' });
  return { added: changes.filter((c) => c.change === 'added').length, removed: changes.filter((c) => c.change === 'removed').length, changes };
}

/** The audit event for a policy reload; pass to AuditLog.recordEvent. */
export function policyReloadEvent(before: CompiledPolicy, after: CompiledPolicy) {
  return { type: 'policy-reload', policyVersion: after.version, detail: { from: before.version, to: after.version, file: after.file, exposure: policyExposure(before, after) } };
}
