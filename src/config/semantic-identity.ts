// Cross-key checks for the identity feeds: the RADIUS listener and the Redis
// binding store. Kept apart from semantic.ts so each capability owns its checks.
import type { Config, RadiusConfig } from './schema.js';
import { parseCidr } from './schema.js';
import type { KeyPath } from './key-path.js';
import { parseRedisTarget } from './redis-target.js';
import { unreadablePath } from './config-path.js';
import { isLoopbackHost } from './admin-exposure.js';

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

/**
 * subscribers.redis.tls: only with a store reached over TLS, a client certificate with its key,
 * files that can be read. And a warning when bindings (address → number) would cross a network
 * to Redis in cleartext: a store that is not on this host and not reached over TLS.
 */
export function redisTlsIssues(config: Config, file: string): PathIssue[] {
  const out: PathIssue[] = [];
  const t = config.subscribers.store === 'memory' ? undefined : parseRedisTarget(config.subscribers.store);
  if (typeof t === 'string') return out; // reported on subscribers.store
  const tls = config.subscribers.redis.tls;
  if (tls) {
    if (!t?.tls)
      out.push({
        path: ['subscribers', 'redis', 'tls'],
        message: 'applies only to a store reached over TLS: name it rediss://, rediss-cluster:// or rediss-sentinel:// in subscribers.store',
        severity: 'error',
      });
    if ((tls.cert === undefined) !== (tls.key === undefined))
      out.push({ path: ['subscribers', 'redis', 'tls', tls.cert === undefined ? 'cert' : 'key'], message: 'a client certificate needs both cert and key', severity: 'error' });
    for (const k of ['ca', 'cert', 'key'] as const) {
      const v = tls[k];
      if (v === undefined) continue;
      const p = unreadablePath(file, v);
      if (p !== undefined) out.push({ path: ['subscribers', 'redis', 'tls', k], message: `cannot read ${p}`, severity: 'error' });
    }
  }
  if (t && !t.tls) {
    if (t.nodes.some((n) => !isLoopbackHost(n.host)))
      out.push({
        path: ['subscribers', 'store'],
        message:
          "the binding store is not on this host and not reached over TLS: every binding (an address and its subscriber's number) crosses the network in cleartext — fix: rediss://, rediss-cluster:// or rediss-sentinel:// with subscribers.redis.tls",
        severity: 'warning',
      });
  }
  return out;
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
