// Protocol upgrades (WebSocket): the handshake passes through the pipeline
// like any request — client identity headers are stripped — but is never
// enriched. The handshake goes to the origin as an ordinary HTTP request and
// nothing the client sends after it is relayed until the origin answers 101:
// an origin that declines (any other status) gets no further byte, its answer
// is relayed to the client as an ordinary response, and the connection is
// closed. Otherwise a request hidden behind the handshake would reach the
// origin as a new request that never went through the pipeline (issue 10,
// finding 2). After a 101 the bytes are relayed unchanged both ways, which is
// why an upgrade to HTTP itself (h2c) is refused before anything is sent.
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Flow } from '../pipeline/flow.js';
import type { Dialer } from '../destination/policy.js';
import type { Metrics } from '../shared/metrics.js';
import { formatAuthority } from '../shared/request-target.js';
import { connectUpstream, pipeBoth, rawReply } from './relay.js';
import { lingerThenClose } from '../shared/linger.js';
import { passedGuard } from '../pipeline/guard-seal.js';
import { endToEndResponseHeaders } from './hop-by-hop.js';
import { classify, upstreamFailure } from './upstream.js';
import { ErrorCodes } from '../shared/errors.js';

export interface UpgradeOptions {
  destinations: Dialer;
  metrics: Metrics;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: Duplex): void;
}

/** Upgrade protocol names that mean HTTP again (RFC 9113 §3.1 deprecated h2c; "HTTP/2.0" is RFC 9110's own example). */
const HTTP_PROTOCOLS = new Set(['h2c', 'h2', 'http']);

/**
 * True when an Upgrade header (any of them, any element) asks to switch to
 * HTTP itself. After a 101 the connection is relayed as opaque bytes: had the
 * origin agreed, every request the client sent over it would reach the origin
 * without passing the strip stage or the egress guard — a client's own
 * identity headers straight to a partner (h2c smuggling). The gateway speaks
 * HTTP/1.x only; such a handshake is refused, never sent.
 */
export function upgradesToHttp(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 7 || name.toLowerCase() !== 'upgrade') continue;
    for (const element of rawHeaders[i + 1]!.split(',')) {
      const protocol = element.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
      const slash = protocol.indexOf('/');
      if (HTTP_PROTOCOLS.has(slash === -1 ? protocol : protocol.slice(0, slash))) return true;
    }
  }
  return false;
}

export function relayUpgrade(flow: Flow, client: Duplex, head: Buffer, opts: UpgradeOptions): void {
  const t = flow.target;
  if (!passedGuard(flow)) {
    // Only what the egress guard checked may leave (pipeline/guard-seal.ts).
    opts.metrics.tunnel('upgrade', 'refused');
    return rawReply(client, 500, ErrorCodes.EGRESS_UNGUARDED, 'the gateway refused to send a request its egress guard did not check');
  }
  connectUpstream(
    client,
    { host: t.host, port: t.port },
    opts,
    (upstream) => handshake(flow, client, head, upstream, opts),
    (f) => {
      opts.metrics.tunnel('upgrade', f.outcome);
      if (f.outcome === 'refused') opts.metrics.destinationRefused('upgrade', f.reason);
    },
  );
}

/** Sends the handshake on the open upstream socket and acts on the origin's answer. */
function handshake(flow: Flow, client: Duplex, head: Buffer, upstream: net.Socket, opts: UpgradeOptions): void {
  // The HTTP client below attaches its own listener a tick later; none may be missing meanwhile.
  upstream.on('error', () => undefined);
  // waiting: for the origin's answer; replied: the gateway answered the client itself; answered: the origin did.
  let state: 'waiting' | 'replied' | 'answered' = 'waiting';
  let req: http.ClientRequest;
  try {
    req = http.request({
      createConnection: () => upstream,
      method: flow.method,
      path: flow.target.path,
      headers: [...flow.headers, 'Host', formatAuthority(flow.target)],
      setHost: false,
    });
  } catch {
    // A header value the HTTP client will not write (the parser let it through): refuse, send nothing.
    upstream.destroy();
    opts.metrics.tunnel('upgrade', 'refused');
    return rawReply(client, 400, ErrorCodes.MALFORMED_REQUEST, 'malformed upgrade request');
  }
  // Until the origin answers, a silent origin is bounded by the idle timeout.
  upstream.setTimeout(opts.idleTimeoutMs, () => {
    if (state !== 'waiting') return;
    state = 'replied';
    opts.metrics.tunnel('upgrade', 'failed');
    req.destroy();
    rawReply(client, 504, ErrorCodes.UPSTREAM_TIMEOUT, 'upstream did not answer the upgrade');
  });
  req.on('error', (err) => {
    if (state === 'answered') return client.destroy();
    if (state === 'replied') return;
    state = 'replied';
    opts.metrics.tunnel('upgrade', 'failed');
    const c = classify(err);
    const f = upstreamFailure(c.kind === 'refused' ? 'reset' : c.kind);
    rawReply(client, c.status, f.code, f.message);
  });
  req.on('upgrade', (res: http.IncomingMessage, socket: net.Socket, upstreamHead: Buffer) => {
    state = 'answered';
    upstream.setTimeout(0);
    opts.metrics.tunnel('upgrade', 'opened');
    let text = `HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}\r\n`;
    const h = res.rawHeaders;
    for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
    client.write(text + '\r\n');
    if (upstreamHead.length) client.write(upstreamHead);
    // Only now do the client's bytes after the handshake (held unread until here) go to the origin.
    pipeBoth(client, socket, head, opts.idleTimeoutMs);
  });
  req.on('response', (res: http.IncomingMessage) => {
    state = 'answered';
    upstream.setTimeout(opts.idleTimeoutMs, () => {
      upstream.destroy();
      client.destroy();
    });
    opts.metrics.tunnel('upgrade', 'declined');
    // Whatever the client sent after the handshake is read and dropped, never relayed.
    client.resume();
    let text = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
    const h = endToEndResponseHeaders(res.rawHeaders);
    for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
    // The body is relayed decoded; without Content-Length it ends with the connection.
    client.write(text + 'Connection: close\r\n\r\n');
    res.on('data', (c: Buffer) => {
      if (!client.write(c)) res.pause();
    });
    client.on('drain', () => res.resume());
    res.once('end', () => {
      upstream.destroy();
      lingerThenClose(client);
    });
    res.once('close', () => {
      if (!res.complete) client.destroy(); // the origin cut its answer short: so do we
    });
    res.on('error', () => client.destroy());
  });
  req.end();
}
