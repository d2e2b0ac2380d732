// Protocol upgrades (WebSocket): the handshake passes through the pipeline
// like any request — client identity headers are stripped — but is never
// enriched; after the handshake the bytes are relayed unchanged.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Flow } from '../pipeline/flow.js';
import type { Resolver } from './resolve.js';
import type { Metrics } from '../admin/metrics.js';
import { formatAuthority } from './target.js';
import { relay } from './relay.js';

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
