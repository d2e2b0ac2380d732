// The front door's socket layer: TCP in, the phone's address established,
// TLS, then HTTP. Three ways in:
//  - direct: the peer's address is the phone's;
//  - from a trusted load balancer (frontDoor.trustedProxies): a PROXY protocol
//    v2 header must come first and gives the phone's address; from anyone else
//    no PROXY header is looked for (a forged one just fails the TLS handshake);
//  - the internal hop from hedge's own forward proxy: the tunnel is handed over
//    in-process with the phone's address (no network hop anyone could forge).
// Every wait is bounded; every socket error ends that socket only.
//
// Connections are capped in total and per client (frontDoor.limits:
// maxConnections, maxConnectionsPerAddress; an IPv4 address, an IPv6 /64),
// so that one client holding idle connections cannot take every slot from
// the phones and partners (shared/listener-limits.ts). A direct client is
// counted at accept, by its socket's address; a trusted load balancer is
// exempt there, and each of its connections is counted under the address its
// PROXY header gives; a tunnel from hedge's proxy, under the phone's address.
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { parseProxyV2, PROXY_V2_MAX_BYTES } from '../shared/proxy-protocol-v2.js';
import { ConnectionCaps } from '../shared/listener-limits.js';
import { answerParserRefusal } from '../shared/parser-refusal.js';
import { handleExpect, refuseExpectation } from '../shared/expect.js';
import { TrustedPeers, unmapV4 } from './address-trust.js';
import type { FrontDoorMetrics } from './metrics.js';
import type { FrontDoorConfig } from '../config/schema.js';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, clientAddress: string) => void;

export interface ListenerOptions {
  tls: { cert: Buffer; key: Buffer };
  limits: FrontDoorConfig['limits'];
  trustedProxies: readonly string[];
  metrics: FrontDoorMetrics;
  onRequest: RequestHandler;
}

export class FrontDoorListener {
  private readonly tcp: net.Server;
  private readonly http: http.Server;
  private readonly context: tls.SecureContext;
  private readonly trusted: TrustedPeers;
  private readonly caps: ConnectionCaps;
  private readonly addressOf = new WeakMap<Duplex, string>();
  private readonly open = new Set<Duplex>();
  private closing = false;

  constructor(private readonly o: ListenerOptions) {
    this.context = tls.createSecureContext({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' });
    this.trusted = new TrustedPeers(o.trustedProxies);
    this.http = http.createServer({
      maxHeaderSize: o.limits.maxHeaderBytes,
      headersTimeout: o.limits.headersTimeoutMs,
      requestTimeout: o.limits.headersTimeoutMs * 3,
      keepAliveTimeout: o.limits.idleTimeoutMs,
      // How often slow senders are checked against headersTimeout (node's default, 30 s, would let one linger that long).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(o.limits.headersTimeoutMs / 2))),
      insecureHTTPParser: false,
      noDelay: true,
    });
    this.http.on('request', (req, res) => {
      const addr = this.addressOf.get(req.socket);
      if (addr === undefined) {
        req.socket.destroy();
        return;
      }
      o.onRequest(req, res, addr);
    });
    // This server never listens (connections are handed to it after TLS), and Node starts the
    // checks of headersTimeout and requestTimeout (and the connection list closeIdleConnections
    // walks) on 'listening' only: without this, a client sending its head or body a byte at a time
    // held its connection for ever. close() stops the checks.
    this.http.emit('listening');
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // 408 for a head or body too slow (headersTimeout/requestTimeout), 431 for a head too large, else 400;
      // counted, then closed after the linger (shared/parser-refusal.ts). A client that left is not counted.
      const refusal = answerParserRefusal(err, socket);
      if (refusal) o.metrics.parserRefusal(refusal);
    });
    // "100 Continue" only once a route reads the body: after the route, the method and the client's checks (shared/expect.ts).
    handleExpect(this.http, (_req, res) => {
      o.metrics.parserRefusal('expectation');
      refuseExpectation(res);
    });
    this.tcp = net.createServer({ noDelay: true, pauseOnConnect: false });
    this.tcp.on('connection', (s) => this.onTcp(s));
    this.tcp.on('error', () => {});
    this.caps = new ConnectionCaps({
      maxConnections: o.limits.maxConnections,
      maxConnectionsPerAddress: o.limits.maxConnectionsPerAddress,
      refused: (reason) => o.metrics.connectionRefused(reason),
      // A trusted load balancer carries many clients: they are counted by the address in its PROXY header.
      exempt: (address) => this.trusted.has(unmapV4(address)),
    });
    this.caps.attach(this.tcp); // after onTcp: it takes over the 'connection' listeners
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen({ host, port, exclusive: true }, () => {
        this.tcp.off('error', reject);
        resolve(this.tcp.address() as AddressInfo);
      });
    });
  }

  /** The internal hop: hedge's forward proxy hands over a CONNECT tunnel to the front door with the phone's address. */
  acceptInternal(socket: Duplex, clientAddress: string, head: Buffer): void {
    if (this.closing) return void socket.destroy();
    if (!this.caps.admitClient(clientAddress, socket)) return void socket.destroy();
    this.o.metrics.connection('internal', 'accepted');
    this.startTls(carrying(socket, head), clientAddress, 'internal');
  }

  private onTcp(s: net.Socket): void {
    s.on('error', () => s.destroy());
    if (this.closing) return void s.destroy();
    this.open.add(s);
    s.on('close', () => this.open.delete(s));
    const peer = unmapV4(s.remoteAddress ?? '');
    if (!this.trusted.has(peer)) {
      this.o.metrics.connection('direct', 'accepted');
      return this.startTls(s, peer, 'direct');
    }
    // A trusted load balancer: the PROXY v2 header must come first, within the handshake time.
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      this.o.metrics.connection('proxy-protocol', 'timeout');
      s.destroy();
    }, this.o.limits.handshakeTimeoutMs);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyV2(buf);
      if (r.kind === 'incomplete' && buf.length < PROXY_V2_MAX_BYTES) return;
      s.off('data', onData);
      clearTimeout(timer);
      if (r.kind === 'incomplete' || r.kind === 'invalid') {
        this.o.metrics.connection('proxy-protocol', 'malformed');
        return void s.destroy();
      }
      const rest = buf.subarray(r.length);
      const address = r.kind === 'proxy' ? unmapV4(r.source.address) : peer; // LOCAL: the balancer's own connection (health check)
      if (r.kind === 'proxy' && !this.caps.admitClient(address, s)) return void s.destroy();
      this.o.metrics.connection('proxy-protocol', r.kind === 'proxy' ? 'accepted' : 'local');
      this.startTls(carrying(s, rest), address, 'proxy-protocol');
    };
    s.on('data', onData);
  }

  private startTls(raw: Duplex, clientAddress: string, via: 'direct' | 'proxy-protocol' | 'internal'): void {
    const t = new tls.TLSSocket(raw as net.Socket, { isServer: true, secureContext: this.context, ALPNProtocols: ['http/1.1'] });
    this.open.add(t);
    const timer = setTimeout(() => {
      this.o.metrics.connection(via, 'handshake-timeout');
      t.destroy();
    }, this.o.limits.handshakeTimeoutMs);
    t.on('error', () => t.destroy());
    t.on('close', () => {
      clearTimeout(timer);
      this.open.delete(t);
      raw.destroy();
    });
    t.once('secure', () => {
      clearTimeout(timer);
      this.addressOf.set(t, clientAddress);
      this.http.emit('connection', t);
    });
    raw.resume?.();
  }

  get address(): AddressInfo | undefined {
    return (this.tcp.address() as AddressInfo | null) ?? undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    this.http.closeIdleConnections();
    for (const s of this.open) s.destroy();
    this.http.close();
    await closed;
  }
}

/**
 * A stream over `s` that first yields `pre` (bytes already read: after a PROXY
 * header, or read by the proxy with the CONNECT). A TLS socket built on a raw
 * net.Socket reads its handle directly and would never see bytes put back with
 * unshift(); over this stream it sees every byte in order.
 */
function carrying(s: Duplex, pre: Buffer): Duplex {
  const d = new Duplex({
    read() {
      s.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      s.write(chunk, cb);
    },
    final(cb) {
      s.end(cb);
    },
    destroy(err, cb) {
      s.destroy();
      cb(err);
    },
  });
  if (pre.length > 0) d.push(pre);
  s.on('data', (c: Buffer) => {
    if (!d.push(c)) s.pause();
  });
  s.on('end', () => d.push(null));
  s.on('error', (e) => d.destroy(e));
  s.on('close', () => d.destroy());
  return d;
}
