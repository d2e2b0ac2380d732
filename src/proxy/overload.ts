// Staying up beyond capacity. Three bounds, each cheap enough for every
// request, and each counted:
//  - client connections in total (server.maxConnections: the kernel's accept
//    is answered and the socket closed at once, before any parsing) and per
//    client address (one phone, or one misbehaving host, cannot hold them all);
//  - requests in flight: past the bound a request is answered 503 with
//    Retry-After before the pipeline runs, so a shed request never looks up a
//    subscriber, never carries an identity, and costs a few microseconds
//    instead of queueing without bound behind the ones already admitted.
// The canary's own source address is exempt from shedding (its verdict must
// keep describing the real pipeline under load); the admin API and probes are
// another listener and are not shed.
import type net from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface OverloadLimits {
  /** Client connections in total; 0: no cap. */
  maxConnections: number;
  /** Client connections per client address; 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Requests being processed at once; past it new requests get 503. 0: no cap. */
  maxInFlightRequests: number;
}

export class OverloadGuard {
  private inFlight = 0;
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly refused: Counter<'reason'>;
  private readonly shed: Counter<'reason'>;

  constructor(
    private readonly limits: OverloadLimits,
    registry: Registry,
    /** Never shed (the canary's own address). */
    private readonly exempt: string | undefined,
  ) {
    this.refused = new Counter({
      name: 'hedge_connections_refused_total',
      help: 'Client connections closed at accept: over the total or per-address cap',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.shed = new Counter({
      name: 'hedge_requests_shed_total',
      help: 'Requests answered 503 before the pipeline because the gateway was at its in-flight bound',
      labelNames: ['reason'],
      registers: [registry],
    });
    // Read at scrape time: nothing is updated per request.
    const openNow = () => this.open;
    const inFlightNow = () => this.inFlight;
    new Gauge({
      name: 'hedge_client_connections',
      help: 'Open client connections on the proxy listener',
      registers: [registry],
      collect(this: Gauge) {
        this.set(openNow());
      },
    });
    new Gauge({
      name: 'hedge_requests_in_flight',
      help: 'Requests being processed by the proxy',
      registers: [registry],
      collect(this: Gauge) {
        this.set(inFlightNow());
      },
    });
  }

  /** Counts connections and enforces the caps on a listening server. */
  attach(server: net.Server): void {
    if (this.limits.maxConnections > 0) server.maxConnections = this.limits.maxConnections;
    server.on('drop', () => this.refused.labels('total').inc());
    // One 'close' handler shared by every connection (not a closure per
    // connection: an idle keep-alive connection should cost as little as
    // possible). It reads the address again from the socket: net.Socket keeps
    // the peer address it looked up on first read, here at accept, after close.
    const release = (address: string) => {
      this.open--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    };
    const closed = function (this: net.Socket) {
      release(this.remoteAddress ?? '');
    };
    server.on('connection', (socket: net.Socket) => {
      const address = socket.remoteAddress ?? '';
      const n = (this.perAddress.get(address) ?? 0) + 1;
      if (this.limits.maxConnectionsPerAddress > 0 && n > this.limits.maxConnectionsPerAddress && address !== this.exempt) {
        this.refused.labels('per_address').inc();
        socket.destroy();
        return;
      }
      this.perAddress.set(address, n);
      this.open++;
      // 'close' is emitted once: `on` spares the wrapper `once` allocates per connection.
      socket.on('close', closed);
    });
  }

  /** Admits a request, or returns false when it must be shed. Call `leave` once for every admitted request. */
  enter(clientAddress: string): boolean {
    if (this.limits.maxInFlightRequests > 0 && this.inFlight >= this.limits.maxInFlightRequests && clientAddress !== this.exempt) {
      this.shed.labels('in_flight').inc();
      return false;
    }
    this.inFlight++;
    return true;
  }

  leave(): void {
    this.inFlight--;
  }

  get connections(): number {
    return this.open;
  }
}
