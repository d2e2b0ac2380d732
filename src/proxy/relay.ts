// A raw byte relay between a client socket and an origin: used by CONNECT
// tunnels and by protocol upgrades. Bounded connect time, idle timeout, and
// either side closing closes the other.
//
// Every socket here must always have an 'error' listener: when the HTTP server
// hands a socket over (CONNECT, Upgrade) it removes its own, and a reset with
// none ends the whole process (issue 10, finding 0).
import net from 'node:net';
import http from 'node:http';
import type { Duplex } from 'node:stream';

export interface RelayOptions {
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

/**
 * Connects to address:port; on success calls `opened(upstream)` (which writes
 * whatever must precede the relayed bytes) and then pipes both ways. On
 * failure answers the client with 502/504 and calls `failed()`.
 */
export function relay(
  client: Duplex,
  to: { host: string; port: number },
  head: Buffer,
  opts: RelayOptions,
  opened: (upstream: net.Socket) => void,
  failed: () => void,
): void {
  const upstream = net.connect({ host: to.host, port: to.port });
  opts.track(upstream);
  upstream.setTimeout(opts.connectTimeoutMs);
  let connected = false;
  const fail = (status: number, msg: string) => {
    upstream.destroy();
    failed();
    rawReply(client, status, msg);
  };
  // One permanent listener for the socket's whole life: before the connection an
  // error is an unreachable origin, after it the end of the relay.
  upstream.on('error', () => (connected ? client.destroy() : fail(502, 'upstream unreachable')));
  const onConnectTimeout = () => fail(504, 'upstream connect timed out');
  upstream.once('timeout', onConnectTimeout);
  client.once('close', () => upstream.destroy());
  upstream.once('connect', () => {
    connected = true;
    upstream.off('timeout', onConnectTimeout);
    upstream.setTimeout(opts.idleTimeoutMs, () => {
      upstream.destroy();
      client.destroy();
    });
    opened(upstream);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    upstream.once('close', () => client.destroy());
  });
}

/** How long a refused client may keep its half of the connection open after the answer. */
const LINGER_MS = 2000;

/** A complete HTTP/1.1 response written on a raw socket, then closed. */
export function rawReply(socket: Duplex, status: number, message: string): void {
  const body = message + '\n';
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  if (socket.listenerCount('error') === 0) socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  // The server sockets allow half-open connections: a client that never closes its side must not hold this one.
  if (socket instanceof net.Socket) socket.setTimeout(LINGER_MS, () => socket.destroy());
}
