// Parsing a Redis store spec (`subscribers.store`) without loading the Redis
// client: config validation and the memory-store gateway need only this.
// Topologies: see redis-connect.ts.
import { parseListen } from './schema.js';

export type Topology = 'single' | 'cluster' | 'sentinel';

export interface RedisTarget {
  topology: Topology;
  /** The server (single), seed nodes (cluster) or sentinels (sentinel). */
  nodes: { host: string; port: number }[];
  /** Sentinel master name. */
  name?: string | undefined;
  db?: number | undefined;
  username?: string | undefined;
  password?: string | undefined;
  url?: string | undefined;
  /** rediss://, rediss-cluster://, rediss-sentinel://: every connection (nodes, sentinels, the primary) over TLS. */
  tls: boolean;
}

const MULTI = /^(rediss?-cluster|rediss?-sentinel):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)(?:\/(.*))?$/;

/** Parses a store spec; a string says what is wrong (never echoing a password). */
export function parseRedisTarget(spec: string): RedisTarget | string {
  if (spec.startsWith('redis://') || spec.startsWith('rediss://')) {
    let u: URL;
    try {
      u = new URL(spec);
    } catch {
      return 'not a valid URL; expected redis://host:port/db';
    }
    if (!u.hostname) return 'the Redis URL needs a host';
    const db = u.pathname.replace(/^\//, '');
    if (db !== '' && !/^\d{1,2}$/.test(db)) return 'the Redis database (URL path) must be a number such as /0';
    return { topology: 'single', nodes: [{ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) }], url: spec, tls: spec.startsWith('rediss://') };
  }
  const m = MULTI.exec(spec);
  if (!m) return 'expected redis://host:port/db, redis-cluster://host:port,host:port or redis-sentinel://host:port,…/master-name (rediss… for TLS)';
  const topology: Topology = m[1]!.endsWith('-cluster') ? 'cluster' : 'sentinel';
  const nodes: { host: string; port: number }[] = [];
  for (const n of m[4]!.split(',')) {
    const p = parseListen(n.trim());
    if (!p || p.port === 0) return `"${n.trim()}" is not host:port (IPv6 as [addr]:port)`;
    nodes.push(p);
  }
  const path = (m[5] ?? '').split('/').filter((s) => s !== '');
  const t: RedisTarget = {
    topology,
    nodes,
    tls: m[1]!.startsWith('rediss'),
    username: m[2] ? decodeURIComponent(m[2]) : undefined,
    password: m[3] !== undefined ? decodeURIComponent(m[3]) : undefined,
  };
  if (topology === 'cluster') {
    if (path.length > 0) return 'Redis Cluster has only database 0: no path after the nodes';
  } else {
    if (path.length === 0 || path.length > 2) return 'name the Sentinel master after the sentinels: redis-sentinel://host:port,…/master-name[/db]';
    t.name = decodeURIComponent(path[0]!);
    if (path[1] !== undefined) {
      if (!/^\d{1,2}$/.test(path[1])) return 'the Redis database must be a number such as /0';
      t.db = Number(path[1]);
    }
  }
  return t;
}

export function isRedisSpec(spec: string): boolean {
  return /^(rediss?|rediss?-cluster|rediss?-sentinel):\/\//.test(spec);
}
