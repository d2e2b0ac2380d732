// Staying up beyond capacity. Three bounds, each cheap enough for every
// request, and each counted:
//  - client connections in total (server.maxConnections: the kernel's accept
//    is answered and the socket closed at once, before any parsing) and per
//    client (one phone, or one misbehaving host, cannot hold them all). A
//    client is an IPv4 address or an IPv6 /64: a phone is given a whole /64
//    (RFC 6459) and may send from any of its 2^64 addresses, so a cap per
//    IPv6 address would bound nothing (ConnectionCaps, shared/listener-limits.ts:
//    the subscriber's page and the leak checker keep the same caps);
//  - requests in flight: past the bound a request is answered 503 with
//    Retry-After before the pipeline runs, so a shed request never looks up a
//    subscriber, never carries an identity, and never queues behind the ones
//    already admitted. And per client: without a share, one client could hold
//    every slot — on many connections, or on one, by pipelining thousands of
//    requests to a slow site (Node's server executes every pipelined request it
//    has parsed at once) — and every other subscriber would be shed. A client
//    past its share is answered 429 and its connection closed, so the rest of
//    what it pipelined is never executed.
// Shedding must also cost little, or at twice capacity the shedding alone
// fills the one event loop and the admitted requests wait behind it. A
// connection accepted while the gateway is shedding gets a prebuilt 503 and is
// closed before an HTTP parser is attached or a byte of its request parsed
// (measured: 125 µs of CPU against 228 µs for the same connection set up and
// its request parsed and answered). A request on a connection already open is
// answered 503 on it and the connection kept: 78 µs, less than the new
// connection its client would otherwise open. That connection is then not
// read for the Retry-After second (rest): under twice the capacity every
// client connection has a request waiting, and shedding them one after another
// kept libuv's poll phase going for 1–2.5 s (it polls again at once while
// epoll returns a full batch). undici writes the next request on an idle
// pooled upstream connection only after the check phase that follows
// (GHSA-35p6-xmwp-9g52), so the admitted requests waited that long for their
// origin and held every in-flight slot (measured: 1–61 % of capacity
// admitted; with the rest 47–96 %). A resting connection costs no CPU and
// raises no event; its client was told to wait that long, and what it sends
// meanwhile waits in the kernel, one request for at most that second.
// The canary's own source address is exempt from shedding (its verdict must
// keep describing the real pipeline under load); the admin API and probes are
// another listener and are not shed.
import type net from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ErrorCodes } from '../shared/errors.js';
import { lingerThenClose } from '../shared/linger.js';
import { unmapIPv4 } from '../shared/address.js';
import { clientKey } from '../shared/address.js';
import { ConnectionCaps } from '../shared/listener-limits.js';

/** What a shed request or connection is told, at accept or on its connection (Ingress). */
export const SHED_MESSAGE = 'the gateway is at capacity; retry shortly';
/** Retry-After of a shed answer, seconds: also how long a connection whose request was shed rests unread. */
export const SHED_RETRY_AFTER_S = 1;
const SHED_BODY = `${SHED_MESSAGE}\n`;
/** The answer to a connection accepted at the bound: the same 503 a parsed request gets, built once. */
const SHED_AT_ACCEPT = Buffer.from(
  'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(SHED_BODY)}\r\nretry-after: ${SHED_RETRY_AFTER_S}\r\nx-hedge-error: ${ErrorCodes.OVERLOADED}\r\nconnection: close\r\n\r\n${SHED_BODY}`,
  'latin1',
);

export interface OverloadLimits {
  /** Client connections in total; 0: no cap. */
  maxConnections: number;
  /** Client connections per client (an IPv4 address, an IPv6 /64); 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Requests being processed at once; past it new requests get 503. 0: no cap. */
  maxInFlightRequests: number;
  /** Requests one client (an IPv4 address, an IPv6 /64) may have in flight; past it its new requests get 429. 0: no cap. */
  maxInFlightPerClient: number;
  /** Busy time of one event-loop turn past which what it reaches next is shed, when the turn before was as long. 0: off. */
  maxLoopTurnMs: number;
}

type ShedReason = 'in_flight' | 'event_loop';

export class OverloadGuard {
  private inFlight = 0;
  /** The connection caps, shared with the other public listeners (shared/listener-limits.ts); shedding at accept screens first. */
  private readonly caps: ConnectionCaps;
  private readonly inFlightPerClient = new Map<string, number>();
  private readonly refused: Counter<'reason'>;
  private readonly shed: Counter<'reason' | 'at'>;
  /** When the current turn's first request or connection was seen; whether a check of this turn is scheduled. */
  private turnStart = 0;
  private turnOpen = false;
  private lastTurnLong = false;
  /** Connections whose request was shed, not read until `wake` (one timer for all that rest in the same second). */
  private readonly resting = new Set<net.Socket>();
  private restTimer: NodeJS.Timeout | undefined;
  private readonly wake = () => {
    this.restTimer = undefined;
    for (const s of this.resting) {
      s.off('resume', keepResting);
      if (!s.destroyed) s.resume();
    }
    this.resting.clear();
  };
  private readonly turnEnded = () => {
    this.turnOpen = false;
    this.lastTurnLong = performance.now() - this.turnStart > this.limits.maxLoopTurnMs;
  };

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
      help: 'Requests answered 503 because the gateway was at its in-flight bound or its event loop behind (at="request": parsed, before the pipeline; at="accept": a new connection answered before its request was read)',
      labelNames: ['reason', 'at'],
      registers: [registry],
    });
    this.caps = new ConnectionCaps({
      maxConnections: limits.maxConnections,
      maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
      refused: (reason) => this.refused.labels(reason).inc(),
      exempt: (address) => unmapIPv4(address) === exempt,
      screen: (socket) => this.shedAtAccept(socket),
    });
    // Read at scrape time: nothing is updated per request.
    const openNow = () => this.caps.connections;
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

  /**
   * Counts connections and enforces the caps on a listening server. Call it
   * after every other 'connection' listener is added (the HTTP server's own):
   * it takes them over, so a connection turned away never reaches them.
   */
  attach(server: net.Server): void {
    this.caps.attach(server);
  }

  /** A connection accepted while shedding: no parser, no request object, no count — the prebuilt answer and a close. */
  private shedAtAccept(socket: net.Socket): boolean {
    const why = this.overloaded();
    if (!why || unmapIPv4(socket.remoteAddress ?? '') === this.exempt) return false;
    this.shed.labels(why, 'accept').inc();
    socket.on('error', destroy);
    socket.resume(); // whatever the client sent is read and dropped, so the close is not a reset that could lose the 503
    socket.write(SHED_AT_ACCEPT);
    lingerThenClose(socket);
    return true;
  }

  /**
   * Why what arrives now is shed, if it is: the in-flight bound is reached, or
   * the event loop is behind. The second is the overload the in-flight count
   * cannot see: when the CPU is what runs out, requests wait unread in the
   * kernel's socket buffers, each one a turn of the loop (every busy
   * connection served once) behind, while the few in the gateway finish
   * quickly. A turn that has been busy longer than maxLoopTurnMs, after a turn
   * that was as long, sheds what it reaches from then on, so each turn does
   * at most that much admitted work and the wait stays near it. One long turn
   * alone (a burst, a collection) sheds nothing.
   */
  private overloaded(): ShedReason | undefined {
    if (this.limits.maxInFlightRequests > 0 && this.inFlight >= this.limits.maxInFlightRequests) return 'in_flight';
    const budget = this.limits.maxLoopTurnMs;
    if (budget <= 0) return undefined;
    const now = performance.now();
    if (!this.turnOpen) {
      // The first arrival of this turn: the check phase, right after the poll phase, closes it.
      this.turnOpen = true;
      this.turnStart = now;
      setImmediate(this.turnEnded);
      return undefined;
    }
    return this.lastTurnLong && now - this.turnStart > budget ? 'event_loop' : undefined;
  }

  /** Admits a request, or returns false when it must be shed. Call `leave` once for every admitted request. */
  enter(clientAddress: string): boolean {
    const why = this.overloaded();
    if (why && clientAddress !== this.exempt) {
      this.shed.labels(why, 'request').inc();
      return false;
    }
    this.inFlight++;
    return true;
  }

  /**
   * Takes one of the client's in-flight slots: the key to give back (`leaveShare`),
   * or undefined when the client already holds maxInFlightPerClient. No cap: ''.
   */
  enterShare(clientAddress: string): string | undefined {
    const max = this.limits.maxInFlightPerClient;
    if (max <= 0) return '';
    const key = clientKey(clientAddress);
    const n = this.inFlightPerClient.get(key) ?? 0;
    if (n >= max && clientAddress !== this.exempt) return undefined;
    this.inFlightPerClient.set(key, n + 1);
    return key;
  }

  leaveShare(key: string): void {
    if (key === '') return;
    const n = (this.inFlightPerClient.get(key) ?? 1) - 1;
    if (n <= 0) this.inFlightPerClient.delete(key);
    else this.inFlightPerClient.set(key, n);
  }

  /** Stops reading a connection whose request was just shed, for at most its Retry-After (see the top of this file). */
  rest(socket: net.Socket): void {
    if (this.resting.has(socket)) return;
    this.resting.add(socket);
    socket.on('resume', keepResting);
    socket.pause();
    if (this.restTimer === undefined) {
      this.restTimer = setTimeout(this.wake, SHED_RETRY_AFTER_S * 1000);
      this.restTimer.unref();
    }
  }

  leave(): void {
    this.inFlight--;
  }

  get connections(): number {
    return this.caps.connections;
  }
}

/**
 * Node's HTTP server resumes the socket itself once the shed answer is written
 * (it drains the request, which starts reading again): a resting connection
 * pauses again at once. `wake` takes this listener off before resuming.
 */
function keepResting(this: net.Socket): void {
  this.pause();
}

function destroy(this: net.Socket): void {
  this.destroy();
}
