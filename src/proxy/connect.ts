// CONNECT tunnels: opaque bytes relayed unchanged both ways. Never enriched —
// the gateway cannot see inside TLS and must not try. Counted.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Resolver } from './resolve.js';
import type { Metrics } from '../admin/metrics.js';
import { parseAuthority } from './target.js';
import { rawReply, relay } from './relay.js';

export interface ConnectOptions {
  resolver: Resolver;
  metrics: Metrics;
  /** Ports a tunnel may reach; empty means any. */
  allowedPorts: ReadonlySet<number>;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: Duplex): void;
}

export function handleConnect(req: IncomingMessage, client: Duplex, head: Buffer, opts: ConnectOptions): void {
  const url = req.url ?? '';
  const auth = parseAuthority(url, 443);
  if (!auth || !url.includes(':')) return refuse(client, 400, 'CONNECT needs host:port', opts);
  if (opts.allowedPorts.size > 0 && !opts.allowedPorts.has(auth.port)) return refuse(client, 403, 'CONNECT to this port is not allowed', opts);
  const pinned = opts.resolver.pinned(auth.host, auth.port);
  relay(
    client,
    { host: pinned?.address ?? auth.host, port: pinned?.port ?? auth.port },
    head,
    opts,
    () => {
      opts.metrics.tunnel('connect', 'opened');
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    },
    () => opts.metrics.tunnel('connect', 'failed'),
  );
}

function refuse(client: Duplex, status: number, msg: string, opts: ConnectOptions): void {
  opts.metrics.tunnel('connect', 'refused');
  rawReply(client, status, msg);
}
