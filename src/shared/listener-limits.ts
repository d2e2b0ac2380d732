// Bounds every public listener of hedge keeps, whatever it serves: how long a
// connection may wait for its request or sit idle, and how many connections
// it may hold — in total and per client (clientKey: an IPv4 address, or an
// IPv6 /64, all of one phone's addresses). Without them one client that opens
// connections and sends nothing, or a header line now and then, holds a
// descriptor each for tens of seconds (Node checks its headers timeout every
// 30 s), opens them faster than they expire, and the process runs out of
// descriptors for everything else it serves (a listener in the gateway's
// process takes them from the proxy).
//
// Connections over a cap are closed at accept, before an HTTP parser is
// attached or a byte read: the total one by the kernel-facing side of Node
// (server.maxConnections, its 'drop' event), the per-client one here. Each
// refusal is reported with a bounded reason only, never the address.
import type http from 'node:http';
import type net from 'node:net';
import { clientKey } from './address.js';

export interface ListenerLimits {
  /** A client must send its whole request head within this many milliseconds (and the whole request within twice that). */
  headersTimeoutMs: number;
  /** A connection that sends or receives nothing for this many milliseconds is closed (a silent one, or an idle keep-alive one). */
  idleTimeoutMs: number;
  /** Connections in total; 0: no cap. */
  maxConnections: number;
  /** Connections per client (an IPv4 address, an IPv6 /64); 0: no cap. */
  maxConnectionsPerAddress: number;
}

/** Why a connection was closed at accept: the only label a refusal carries. */
export type ConnectionRefusal = 'total' | 'per_address';

/**
 * The timeout options of http(s).createServer for `limits`. Node checks slow
 * senders against headersTimeout only every connectionsCheckingInterval
 * (default 30 s, which would let one linger that long): a fraction of the
 * timeout, between 50 ms and 1 s.
 */
export function timeoutOptions(limits: Pick<ListenerLimits, 'headersTimeoutMs' | 'idleTimeoutMs'>) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs * 2,
    keepAliveTimeout: Math.min(5_000, limits.idleTimeoutMs),
    connectionsCheckingInterval: connectionsCheckingInterval(limits.headersTimeoutMs),
  } satisfies http.ServerOptions;
}

/** How often Node should check slow senders against `headersTimeoutMs`: a fraction of it, between 50 ms and 1 s (a server option only). */
export function connectionsCheckingInterval(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 2)));
}

export interface ConnectionCapOptions {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Called once for every connection closed at accept. */
  refused(reason: ConnectionRefusal): void;
  /** A peer (as the socket reports it) not bound by the per-client cap: the canary, a trusted reverse proxy. */
  exempt?(address: string): boolean;
  /**
   * A first look at every accepted connection, before it is counted; true when
   * it turned the connection away itself (the proxy's shedding at accept).
   */
  screen?(socket: net.Socket): boolean;
}

/** Counts a listener's connections, in total and per client, and closes at accept those over a cap. */
export class ConnectionCaps {
  private open = 0;
  private readonly perClient = new Map<string, number>();

  constructor(private readonly o: ConnectionCapOptions) {}

  /**
   * Enforces the caps on a server. Call it after every other 'connection'
   * listener is added (the HTTP server's own): it takes them over, so a
   * connection turned away never reaches them.
   */
  attach(server: net.Server): void {
    const inner = server.listeners('connection') as ((socket: net.Socket) => void)[];
    server.removeAllListeners('connection');
    if (this.o.maxConnections > 0) server.maxConnections = this.o.maxConnections;
    server.on('drop', () => this.o.refused('total'));
    // One 'close' handler shared by every connection (not a closure per
    // connection: an idle keep-alive connection should cost as little as
    // possible). It reads the address again from the socket: net.Socket keeps
    // the peer address it looked up on first read, here at accept, after close.
    const release = (key: string) => {
      this.open--;
      this.releaseClient(key);
    };
    const closed = function (this: net.Socket) {
      release(clientKey(this.remoteAddress ?? ''));
    };
    const max = this.o.maxConnectionsPerAddress;
    server.on('connection', (socket: net.Socket) => {
      if (this.o.screen?.(socket)) return;
      const address = socket.remoteAddress ?? '';
      const key = clientKey(address);
      const n = (this.perClient.get(key) ?? 0) + 1;
      if (max > 0 && n > max && !this.o.exempt?.(address)) {
        this.o.refused('per_address');
        socket.destroy();
        return;
      }
      this.perClient.set(key, n);
      this.open++;
      // 'close' is emitted once: `on` spares the wrapper `once` allocates per connection.
      socket.on('close', closed);
      for (const listener of inner) listener.call(server, socket);
    });
  }

  /**
   * Counts a connection whose client is known only after accept — the address
   * in a trusted load balancer's PROXY header, a tunnel handed over in-process
   * with the phone's address — against that client's share (not the total:
   * the accepted socket, if any, is counted already). False when the client is
   * over its cap: the caller closes the stream (the refusal is reported here).
   * Released when the stream closes.
   */
  admitClient(address: string, stream: { once(event: 'close', listener: () => void): unknown }): boolean {
    const key = clientKey(address);
    const n = (this.perClient.get(key) ?? 0) + 1;
    const max = this.o.maxConnectionsPerAddress;
    if (max > 0 && n > max && !this.o.exempt?.(address)) {
      this.o.refused('per_address');
      return false;
    }
    this.perClient.set(key, n);
    stream.once('close', () => this.releaseClient(key));
    return true;
  }

  private releaseClient(key: string): void {
    const left = (this.perClient.get(key) ?? 1) - 1;
    if (left <= 0) this.perClient.delete(key);
    else this.perClient.set(key, left);
  }

  /** Connections open now (those turned away are not counted). */
  get connections(): number {
    return this.open;
  }
}

/**
 * All of a public HTTP listener's bounds on one server created with
 * `timeoutOptions(limits)`: the connection caps, and the idle timeout — a
 * connection on which nothing moves for idleTimeoutMs is closed, also in the
 * middle of an answer its client stopped reading. Call it after the server's
 * own listeners are added.
 */
export function boundListener(server: http.Server, limits: ListenerLimits, refused: (reason: ConnectionRefusal) => void, exempt?: (address: string) => boolean): ConnectionCaps {
  server.timeout = limits.idleTimeoutMs;
  const caps = new ConnectionCaps({ maxConnections: limits.maxConnections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress, refused, exempt });
  caps.attach(server);
  return caps;
}
