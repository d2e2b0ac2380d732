// Raw sockets to origins: the connection for CONNECT tunnels and protocol
// upgrades, opened through the destination policy (destination/connect.ts),
// and the byte relay once a tunnel is open or an origin agreed to switch
// protocols. Bounded connect time, idle timeout, and either side closing
// closes the other.
//
// Every socket here must always have an 'error' listener: when the HTTP server
// hands a socket over (CONNECT, Upgrade) it removes its own, and a reset with
// none ends the whole process (issue 10, finding 0).
import net from 'node:net';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { connectTcp } from '../destination/connect.js';
import { DestinationRefused, type Dialer, type RefusalReason } from '../destination/policy.js';
import { ErrorCodes, type ErrorCode } from '../shared/errors.js';
import { lingerThenClose } from '../shared/linger.js';
import { classify, upstreamFailure } from './upstream.js';

export interface RelayOptions {
  destinations: Dialer;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: Duplex): void;
}

/**
 * Takes ownership of a socket the HTTP server handed over (CONNECT, Upgrade):
 * from now on its errors (a client reset at any point) only close it, an idle
 * socket is closed after `idleTimeoutMs`, and the drain can find it.
 */
export function adoptHandedOver(socket: Duplex, idleTimeoutMs: number, track: (s: Duplex) => void): void {
  socket.on('error', () => socket.destroy());
  if (socket instanceof net.Socket) socket.setTimeout(idleTimeoutMs, () => socket.destroy());
  track(socket);
}

export type RelayFailure = { outcome: 'refused'; reason: RefusalReason } | { outcome: 'failed' } | { outcome: 'abandoned' };

/**
 * Connects to host:port through the destination policy for a handed-over
 * client socket. On success calls `connected(upstream)`, which must give the
 * socket its own 'error' listener at once. On failure answers the client (403
 * for a refused destination, 502/504 with the cause's code otherwise) and
 * calls `failed()`. A client already gone (it left while its request was in
 * an asynchronous pipeline) gets no connection at all: its 'close' has been
 * emitted, so nothing would ever close the origin's side (`abandoned`).
 */
export function connectUpstream(
  client: Duplex,
  to: { host: string; port: number },
  opts: RelayOptions,
  connected: (upstream: net.Socket) => void,
  failed: (f: RelayFailure) => void,
): void {
  if (client.destroyed) return failed({ outcome: 'abandoned' });
  const cancel = connectTcp(opts.destinations, to.host, to.port, opts.connectTimeoutMs, opts.track, (err, upstream) => {
    if (err || !upstream) {
      if (err instanceof DestinationRefused) {
        failed({ outcome: 'refused', reason: err.reason });
        return rawReply(client, 403, ErrorCodes.DESTINATION_REFUSED, 'the gateway does not connect to this destination');
      }
      failed({ outcome: 'failed' });
      // One code per cause: DNS, refused, timeout, reset (upstream.ts).
      const c = classify(err ?? new Error('no socket'));
      const f = upstreamFailure(c.kind);
      return rawReply(client, c.status, f.code, c.kind === 'timeout' ? 'upstream connect timed out' : f.message);
    }
    client.once('close', () => upstream.destroy());
    connected(upstream);
  });
  // A client gone while resolving or connecting: stop there (its error listener was set when it was adopted).
  client.once('close', cancel);
}

/**
 * Relays bytes both ways between a client and an open upstream: `head` (client
 * bytes already read) goes first. Idle timeout; either side closing or failing
 * closes the other.
 */
export function pipeBoth(client: Duplex, upstream: net.Socket, head: Buffer, idleTimeoutMs: number): void {
  upstream.on('error', () => client.destroy());
  upstream.setTimeout(idleTimeoutMs, () => {
    upstream.destroy();
    client.destroy();
  });
  if (head.length) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  upstream.once('close', () => client.destroy());
  client.once('close', () => upstream.destroy());
}

/**
 * A CONNECT tunnel: connects through the destination policy, calls
 * `opened(upstream)` (which answers the client), then relays both ways. On
 * failure answers the client and calls `failed()`.
 */
export function relay(
  client: Duplex,
  to: { host: string; port: number },
  head: Buffer,
  opts: RelayOptions,
  opened: (upstream: net.Socket) => void,
  failed: (f: RelayFailure) => void,
): void {
  connectUpstream(
    client,
    to,
    opts,
    (upstream) => {
      opened(upstream);
      pipeBoth(client, upstream, head, opts.idleTimeoutMs);
    },
    failed,
  );
}

/** A complete HTTP/1.1 response written on a raw socket (with its `X-Hedge-Error` code), then closed. */
export function rawReply(socket: Duplex, status: number, code: ErrorCode, message: string): void {
  const body = message + '\n';
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
  socket.write(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Hedge-Error: ${code}\r\nConnection: close\r\n\r\n${body}`,
  );
  lingerThenClose(socket);
}
