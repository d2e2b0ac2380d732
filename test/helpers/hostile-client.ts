// What a hostile client does to a listener, over plain TCP or TLS: write a
// few bytes and reset the connection (RST, not FIN) — before, during or after
// the TLS handshake, mid-request —, hang up (FIN) mid-request, send a request
// head a line at a time, or send raw bytes and read what comes back until the
// server closes. Shared by the hostile-client tests
// (test/security/*hostile-client*.test.ts).
import net from 'node:net';
import tls from 'node:tls';

/** A TLS record header announcing a 512-byte handshake message, and one byte of it: a ClientHello cut short. */
export const HALF_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]);

/** TLS to the lab's certificate (named localhost) from a chosen loopback address (tls.connect passes it on to the TCP socket). */
function tlsOptions(port: number, ca: Buffer, localAddress: string): tls.ConnectionOptions {
  return { host: '127.0.0.1', port, ca, servername: 'localhost', localAddress } as tls.ConnectionOptions;
}

/** Plain TCP: writes `bytes` (a request cut short, half a ClientHello, nothing), then resets the connection. */
export function resetRaw(port: number, bytes: string | Buffer, localAddress = '127.0.0.1'): Promise<void> {
  return new Promise<void>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => s.write(bytes, () => setTimeout(() => (s.resetAndDestroy(), resolve()), 20)));
    s.on('error', () => resolve());
  });
}

/**
 * Plain TCP: writes `bytes`, then half-closes (FIN, a client hanging up
 * mid-request) and returns what comes back until the server closes (or
 * `timeoutMs`; then `closed` is false).
 */
export function endRaw(port: number, bytes: string | Buffer, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const t = setTimeout(() => (s.destroy(), resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false })), timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => (clearTimeout(t), resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true })));
    s.end(bytes);
  });
}

/** A TLS connection to `port` whose handshake completed, trusting `ca`. */
export function tlsConnect(port: number, ca: Buffer, localAddress = '127.0.0.1'): Promise<tls.TLSSocket> {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(tlsOptions(port, ca, localAddress));
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Over TLS: completes the handshake, writes `bytes`, then resets the TCP connection underneath. */
export async function resetAfterTls(port: number, ca: Buffer, bytes: string): Promise<void> {
  const s = await tlsConnect(port, ca);
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.write(bytes, () => setTimeout(resolve, 20)));
  (s as unknown as { _parent?: net.Socket })._parent?.resetAndDestroy?.();
  s.destroy();
}

/** Over TLS: sends raw bytes, returns what comes back until the server closes (or `timeoutMs`). */
export async function tlsExchange(port: number, ca: Buffer, bytes: string, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  const s = await tlsConnect(port, ca);
  return new Promise((resolve) => {
    let text = '';
    const t = setTimeout(() => (s.destroy(), resolve({ text, closed: false })), timeoutMs);
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => (clearTimeout(t), resolve({ text, closed: true })));
    s.write(bytes);
  });
}

export interface SlowSender {
  socket: net.Socket;
  /** Resolves once connected (over TLS: the handshake done) and `first` written. */
  started: Promise<void>;
  /** What the server sent back so far. */
  answer(): string;
  /** Whether the connection has closed (for ordering checks: was another client served before it was cut?). */
  closed(): boolean;
  /** Resolves with Date.now() when the connection closes. */
  closedAt: Promise<number>;
}

/**
 * A slow sender: writes `first` once connected (over TLS when `ca` is given),
 * then `next` every 100 ms until the connection closes. It reads what the
 * server answers, so it sees the server's close.
 */
export function slowSender(port: number, first: string, next: string, o: { localAddress?: string; ca?: Buffer } = {}): SlowSender {
  const localAddress = o.localAddress ?? '127.0.0.1';
  const socket: net.Socket = o.ca === undefined ? net.connect({ host: '127.0.0.1', port, localAddress }) : tls.connect(tlsOptions(port, o.ca, localAddress));
  let answer = '';
  let closed = false;
  socket.on('error', () => {});
  socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  const started = new Promise<void>((r) => socket.once(o.ca === undefined ? 'connect' : 'secureConnect', () => socket.write(first, () => r())));
  const timer = setInterval(() => socket.writable && socket.write(next), 100);
  const closedAt = new Promise<number>((r) =>
    socket.once('close', () => {
      closed = true;
      clearInterval(timer);
      r(Date.now());
    }),
  );
  return { socket, started, answer: () => answer, closed: () => closed, closedAt };
}
