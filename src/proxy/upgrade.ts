// Protocol upgrades (WebSocket): the handshake passes through the pipeline
// like any request — client identity headers are stripped — but is never
// enriched; after the handshake the bytes are relayed unchanged.
import type { Duplex } from 'node:stream';
import type { Flow } from '../pipeline/flow.js';
import type { Resolver } from './resolve.js';
import type { Metrics } from '../admin/metrics.js';
import { formatAuthority } from './target.js';
import { relay } from './relay.js';
import { passedGuard } from '../pipeline/guard-seal.js';

export interface UpgradeOptions {
  resolver: Resolver;
  metrics: Metrics;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: Duplex): void;
}

export function relayUpgrade(flow: Flow, httpVersion: string, client: Duplex, head: Buffer, opts: UpgradeOptions): void {
  const t = flow.target;
  if (!passedGuard(flow)) {
    // Only what the egress guard checked may leave (pipeline/guard-seal.ts).
    opts.metrics.tunnel('upgrade', 'refused');
    const body = 'the gateway refused to send a request its egress guard did not check\n';
    if (client.writable) client.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nX-Hedge-Error: HEDGE_ERR_EGRESS_UNGUARDED\r\nConnection: close\r\n\r\n${body}`);
    else client.destroy();
    return;
  }
  const pinned = opts.resolver.pinned(t.host, t.port);
  relay(
    client,
    { host: pinned?.address ?? t.host, port: pinned?.port ?? t.port },
    head,
    opts,
    (upstream) => {
      opts.metrics.tunnel('upgrade', 'opened');
      let text = `${flow.method} ${t.path} HTTP/${httpVersion}\r\nHost: ${formatAuthority(t)}\r\n`;
      const h = flow.headers;
      for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
      upstream.write(text + '\r\n');
    },
    () => opts.metrics.tunnel('upgrade', 'failed'),
  );
}
