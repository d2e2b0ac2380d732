// A raw byte relay between a client socket and an origin: used by CONNECT
// tunnels and by protocol upgrades. Bounded connect time, idle timeout, and
// either side closing closes the other.
import net from 'node:net';
import http from 'node:http';
import type { Duplex } from 'node:stream';

export interface RelayOptions {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: net.Socket): void;
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
  const fail = (status: number, msg: string) => {
    upstream.destroy();
    failed();
    rawReply(client, status, msg);
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
    opened(upstream);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
}

/** A complete HTTP/1.1 response written on a raw socket, then closed. */
export function rawReply(socket: Duplex, status: number, message: string): void {
  const body = message + '\n';
  if (socket.writable)
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  else socket.destroy();
}
