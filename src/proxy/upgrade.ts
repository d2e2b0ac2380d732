// Protocol upgrades (WebSocket): the handshake passes through the pipeline
// like any request — client identity headers are stripped — but is never
// enriched; after the handshake the bytes are relayed unchanged.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Flow } from '../pipeline/flow.js';
import type { Resolver } from './resolve.js';
import type { Metrics } from '../admin/metrics.js';
import { formatAuthority } from './target.js';

export interface UpgradeOptions {
  resolver: Resolver;
  metrics: Metrics;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: net.Socket): void;
}

export function relayUpgrade(flow: Flow, httpVersion: string, client: Duplex, head: Buffer, opts: UpgradeOptions): void {
  const t = flow.target;
  const pinned = opts.resolver.pinned(t.host, t.port);
  const upstream = net.connect({ host: pinned?.address ?? t.host, port: pinned?.port ?? t.port });
  opts.track(upstream);
  upstream.setTimeout(opts.connectTimeoutMs);
  const fail = (status: number, msg: string) => {
    upstream.destroy();
    opts.metrics.tunnel('upgrade', 'failed');
    const body = msg + '\n';
    if (client.writable)
      client.end(`HTTP/1.1 ${status} ${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
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
    opts.metrics.tunnel('upgrade', 'opened');
    let headText = `${flow.method} ${t.path} HTTP/${httpVersion}\r\nHost: ${formatAuthority(t)}\r\n`;
    const h = flow.headers;
    for (let i = 0; i < h.length; i += 2) headText += `${h[i]}: ${h[i + 1]}\r\n`;
    upstream.write(headText + '\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
}
