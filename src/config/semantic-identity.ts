// Cross-key checks for the identity feeds: the RADIUS listener and the Redis
// binding store. Kept apart from semantic.ts so each capability owns its checks.
import type { RadiusConfig } from './schema.js';
import { parseCidr } from './schema.js';
import type { KeyPath } from './key-path.js';
import { parseRedisTarget } from './redis-target.js';

export interface PathIssue {
  path: KeyPath;
  message: string;
  severity: 'error' | 'warning';
}

/** A reason the Redis store spec cannot be used, or undefined. Never echoes a password. */
export function redisUrlProblem(spec: string): string | undefined {
  const t = parseRedisTarget(spec);
  return typeof t === 'string' ? t : undefined;
}

export function radiusIssues(r: RadiusConfig): PathIssue[] {
  const out: PathIssue[] = [];
  const seen = new Map<string, number>();
  r.clients.forEach((c, i) => {
    const key = c.address ?? c.cidr ?? '';
    const prev = seen.get(key);
    if (prev !== undefined) out.push({ path: ['clients', i, c.address ? 'address' : 'cidr'], message: `already configured by clients[${prev}]`, severity: 'error' });
    else seen.set(key, i);
    if (c.secret.length < 16)
      out.push({ path: ['clients', i, 'secret'], message: 'shared secrets shorter than 16 characters are guessable (RFC 2865 §3 recommends 16+)', severity: 'warning' });
  });
  r.framedAddressMap.forEach((m, i) => {
    const from = parseCidr(m.from);
    const to = parseCidr(m.to);
    if (from && to && from.bits !== to.bits)
      out.push({ path: ['framedAddressMap', i, 'to'], message: `"to" must have the same prefix length as "from" (/${from.bits})`, severity: 'error' });
  });
  return out;
}
