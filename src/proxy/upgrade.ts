// Protocol upgrades (WebSocket): the handshake passes through the pipeline
// like any request — client identity headers are stripped — but is never
// enriched; after the handshake the bytes are relayed unchanged.
import type { Duplex } from 'node:stream';
import type { Flow } from '../pipeline/flow.js';
import type { Dialer } from '../destination/policy.js';
import type { Metrics } from '../admin/metrics.js';
import { formatAuthority } from './target.js';
import { relay } from './relay.js';
import { passedGuard } from '../pipeline/guard-seal.js';

export interface UpgradeOptions {
  destinations: Dialer;
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
  relay(
    client,
    { host: t.host, port: t.port },
    head,
    opts,
    (upstream) => {
      opts.metrics.tunnel('upgrade', 'opened');
      let text = `${flow.method} ${t.path} HTTP/${httpVersion}\r\nHost: ${formatAuthority(t)}\r\n`;
      const h = flow.headers;
      for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
      upstream.write(text + '\r\n');
    },
    (f) => {
      opts.metrics.tunnel('upgrade', f.outcome);
      if (f.outcome === 'refused') opts.metrics.destinationRefused('upgrade', f.reason);
    },
  );
}
