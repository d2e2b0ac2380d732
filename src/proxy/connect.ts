// CONNECT tunnels: opaque bytes relayed unchanged both ways. Never enriched —
// the gateway cannot see inside TLS and must not try. Counted.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Resolver } from './resolve.js';
import type { Metrics } from '../admin/metrics.js';
import { parseAuthority } from './target.js';

export interface ConnectOptions {
  resolver: Resolver;
  metrics: Metrics;
  /** Ports a tunnel may reach; empty means any. */
  allowedPorts: ReadonlySet<number>;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: net.Socket): void;
}

export function handleConnect(req: IncomingMessage, client: Duplex, head: Buffer, opts: ConnectOptions): void {
  const auth = parseAuthority(req.url ?? '', 443);
  if (!auth || !(req.url ?? '').includes(':')) return refuse(client, 400, 'CONNECT needs host:port', opts, 'refused');
  if (opts.allowedPorts.size > 0 && !opts.allowedPorts.has(auth.port)) return refuse(client, 403, 'CONNECT to this port is not allowed', opts, 'refused');
  const pinned = opts.resolver.pinned(auth.host, auth.port);
  const upstream = net.connect({ host: pinned?.address ?? auth.host, port: pinned?.port ?? auth.port });
  opts.track(upstream);
  upstream.setTimeout(opts.connectTimeoutMs);
  const fail = (status: number, msg: string) => {
    upstream.destroy();
    refuse(client, status, msg, opts, 'failed');
  };
  upstream.once('timeout', () => fail(504, 'upstream connect timed out'));
  upstream.once('error', () => fail(502, 'upstream unreachable'));
  client.once('error', () => upstream.destroy());
  upstream.once('connect', () => {
    upstream.removeAllListeners('timeout');
    upstream.removeAllListeners('error');
    upstream.setTimeout(opts.idleTimeoutMs, () => {
      upstream.destroy();
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    opts.metrics.tunnel('connect', 'opened');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
}

function refuse(client: Duplex, status: number, msg: string, opts: ConnectOptions, outcome: 'refused' | 'failed'): void {
  opts.metrics.tunnel('connect', outcome);
  if (client.writable) {
    const body = msg + '\n';
    client.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
}

function statusText(s: number): string {
  return ({ 400: 'Bad Request', 403: 'Forbidden', 502: 'Bad Gateway', 504: 'Gateway Timeout' } as Record<number, string>)[s] ?? 'Error';
}
