// What the canary asks for: the built-in non-partner hosts (names under the
// reserved .invalid TLD, RFC 2606, so no real site and no sane policy has
// them), and one concrete host for each host pattern of each active partner.
import type { CompiledPartner, CompiledPolicy } from '../policy/compile.js';
import { partnerActive } from '../policy/compile.js';

/** Built-in canary hosts: nothing identifying may ever reach them. */
export const CANARY_HOSTS: readonly string[] = ['hedge-canary.invalid', 'www.hedge-canary.invalid'];

export interface Probe {
  host: string;
  port: number;
  /** The partner whose grants are expected here; undefined for a non-partner host. */
  partner: CompiledPartner | undefined;
  /** The host pattern probed (for messages). */
  pattern: string | undefined;
}

export function probesFor(policy: CompiledPolicy, now = Date.now()): Probe[] {
  const out: Probe[] = CANARY_HOSTS.map((host) => ({ host, port: 80, partner: undefined, pattern: undefined }));
  for (const p of policy.partners) {
    if (!partnerActive(p, now)) continue;
    for (const hp of p.hosts) {
      // "*" matches every host: the non-partner probes above already cover what it does.
      if (hp.kind === 'any') continue;
      const host = hp.kind === 'exact' ? hp.host : `hedge-canary.${hp.host}`;
      out.push({ host, port: hp.port ?? 80, partner: p, pattern: hp.text });
    }
  }
  return out;
}
