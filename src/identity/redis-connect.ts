// The Redis topologies a binding store can use, from `subscribers.store`:
//   redis://[user:password@]host:port[/db]                          one server, or a proxy in front of several
//   redis-cluster://[user:password@]host:port,host:port,…           Redis Cluster: any reachable seed nodes
//   redis-sentinel://[user:password@]host:port,…/<master-name>[/db] a Sentinel-managed primary (failover followed)
// and the same over TLS as rediss://, rediss-cluster:// and rediss-sentinel://
// (every connection: the nodes the cluster redirects to, the sentinels and the
// primary they name), with subscribers.redis.tls for a private CA or a client
// certificate.
// All three use ioredis's own support for them, with the same fail-closed
// options: no offline queue (a command to an unreachable server fails at once
// instead of waiting), no retries of a command, a per-command timeout.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { RedisTls } from './redis-tls.js';
import { guardedConnectors } from './redis-connectors.js';

export { parseRedisTarget, type RedisTarget, type Topology } from '../config/redis-target.js';
import type { RedisTarget } from '../config/redis-target.js';

export interface ConnectOptions {
  timeoutMs: number;
  /** For a TLS target: CA, client certificate, server name (default: Node's trust store, no client certificate). */
  tls?: RedisTls | undefined;
}

/** An ioredis client for the target, with hedge's fail-closed options. */
export function connectRedis(t: RedisTarget, o: ConnectOptions): Redis | Cluster {
  const common: RedisOptions = {
    maxRetriesPerRequest: 0,
    commandTimeout: o.timeoutMs,
    connectTimeout: Math.max(1000, o.timeoutMs * 4),
    username: t.username,
    password: t.password,
    // RESP2, as ioredis 5 spoke it: no HELLO on connect, which a proxy in front of several servers may
    // refuse in a way ioredis 6 does not fall back from, and the scripts' replies keep their RESP2 meaning
    // (a Lua false is a nil, not RESP3's boolean). ioredis 6's reply decoder is used either way: a reply
    // nested beyond the stack's depth is a connection error, not an exception that ends the process
    // (test/security/redis-nested-reply-crash.test.ts).
    protocol: 2,
    // Every socket keeps an 'error' listener: a second error from a failed TLS socket would otherwise end the process (redis-connectors.ts).
    Connector: guardedConnectors.standalone,
  };
  const tls: ConnectionOptions | undefined = t.tls ? { minVersion: 'TLSv1.2', ...o.tls } : undefined;
  if (tls) common.tls = tls;
  // Reconnect quickly: every second without the store is a second without enrichment.
  const retry = (times: number) => Math.min(100 * times, 1000);
  if (t.topology === 'single') return new Redis(t.url!, { ...common, enableOfflineQueue: false, retryStrategy: retry, enableAutoPipelining: true });
  if (t.topology === 'sentinel')
    return new Redis({
      ...common,
      Connector: guardedConnectors.sentinel,
      sentinels: t.nodes,
      name: t.name!,
      db: t.db ?? 0,
      role: 'master',
      enableOfflineQueue: false,
      retryStrategy: retry,
      sentinelRetryStrategy: retry,
      // Over TLS, the sentinels too: they name the primary, and a forged answer would send bindings elsewhere.
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      // Subscribe to the sentinels' +switch-master: reconnect to the new primary as soon as it is promoted.
      failoverDetector: true,
      enableAutoPipelining: true,
    });
  return new Cluster(t.nodes, {
    redisOptions: common,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    clusterRetryStrategy: retry,
    scaleReads: 'master', // replicas may lag: reads from the masters keep the staleness bound
    slotsRefreshTimeout: Math.max(1000, o.timeoutMs * 4),
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 4,
  });
}
