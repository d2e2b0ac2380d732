// Fair sharing of the upstream pools under slow clients. Each origin has a
// bounded pool (proxy.limits.upstreamConnections) and a request with a body
// holds its connection until the last byte has arrived, so slow senders could
// starve every other subscriber of a site. Three limits keep shares fair:
//  - a client address (an IPv6 client's /64) has at most maxUploadsPerClient
//    requests with bodies in flight; more are refused with 429;
//  - a body must arrive at minRequestBodyBytesPerSecond on average once
//    requestBodyGraceMs of reading have passed (time the gateway is not
//    reading — origin backpressure, waiting for a connection — does not
//    count), else the exchange is cut with 408 (like nginx's
//    client_body_timeout, Kestrel's MinRequestBodyDataRate);
//  - a request waits at most upstreamQueueTimeoutMs for a pooled connection
//    (503; enforced in upstream.ts).
import type { IncomingMessage } from 'node:http';
import { clientKey } from '../shared/address.js';
import type { LimitsConfig } from '../config/schema.js';

export interface Upload {
  readonly key: string;
  readonly req: IncomingMessage;
  startBytes: number;
  activeMs: number;
  /** Cuts the exchange (set once it is dispatched). */
  cut?: () => void;
}

export class FairShare {
  private readonly perClient = new Map<string, number>();
  private readonly reading = new Set<Upload>();
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private readonly tickMs: number;

  constructor(
    private readonly limits: Pick<LimitsConfig, 'maxUploadsPerClient' | 'minRequestBodyBytesPerSecond' | 'requestBodyGraceMs'>,
    private readonly onTooSlow: (u: Upload) => void,
  ) {
    this.tickMs = Math.min(1000, Math.max(100, Math.floor(limits.requestBodyGraceMs / 4)));
  }

  /** Takes an upload slot for this client; undefined when it already holds its share. */
  begin(clientAddress: string, req: IncomingMessage): Upload | undefined {
    const key = clientKey(clientAddress);
    const n = this.perClient.get(key) ?? 0;
    if (n >= this.limits.maxUploadsPerClient) return undefined;
    this.perClient.set(key, n + 1);
    const u: Upload = { key, req, startBytes: req.socket.bytesRead, activeMs: 0 };
    if (this.limits.minRequestBodyBytesPerSecond > 0) {
      this.reading.add(u);
      this.schedule();
    }
    return u;
  }

  /** The exchange ended (whatever way): the slot is free again. */
  end(u: Upload): void {
    this.reading.delete(u);
    const n = (this.perClient.get(u.key) ?? 1) - 1;
    if (n <= 0) this.perClient.delete(u.key);
    else this.perClient.set(u.key, n);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    this.lastTick = performance.now();
    // One timer for all uploads, only while there are some (like Kestrel's heartbeat).
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    const { minRequestBodyBytesPerSecond: rate, requestBodyGraceMs: grace } = this.limits;
    for (const u of this.reading) {
      const req = u.req;
      if (req.readableEnded || req.destroyed) {
        this.reading.delete(u);
        continue;
      }
      // Only time the gateway is reading counts: paused (origin backpressure) or not yet consumed (queued) does not.
      if (req.readableFlowing !== true) continue;
      u.activeMs += elapsed;
      if (u.activeMs < grace) continue;
      const bytes = req.socket.bytesRead - u.startBytes;
      if (bytes * 1000 < rate * u.activeMs) {
        this.reading.delete(u);
        this.onTooSlow(u);
      }
    }
    if (this.reading.size === 0) this.close();
  }
}
