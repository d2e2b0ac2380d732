// The proxy's listening side: parses and vets each request, builds its Flow,
// runs the pipeline and hands the result to the upstream. All client-facing
// socket I/O lives here, in connect.ts and in upgrade.ts.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Flow, type Target } from '../pipeline/flow.js';
import { runPipeline, type RunHooks } from '../pipeline/run.js';
import type { Verdict } from '../pipeline/stage.js';
import type { Pipeline } from '../pipeline/index.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../shared/metrics.js';
import type { Logger } from '../shared/log.js';
import { codedError, upstreamFailure, type Upstream } from './upstream.js';
import { FairShare } from './fair-share.js';
import type { Resolver } from './resolve.js';
import type { Dialer } from '../destination/policy.js';
import { ErrorCodes, type ErrorCode } from '../shared/errors.js';
import { framingProblem, hasRequestBody } from './framing.js';
import { endToEndHeaders } from './hop-by-hop.js';
import { parseAbsoluteForm, parseOriginForm, type TargetResult } from '../shared/request-target.js';
import { destinationMatches } from './destination.js';
import { unmapIPv4 } from '../shared/address.js';
import type { InternalDestinations } from './internal-destinations.js';
import { handleConnect } from './connect.js';
import { relayUpgrade, upgradesToHttp } from './upgrade.js';
import { PipelinedOrder } from './pipelined-order.js';
import { adoptHandedOver, rawReply } from './relay.js';
import { listenOn } from '../shared/listen.js';
import { lingerThenClose } from '../shared/linger.js';
import { connectionsCheckingInterval } from '../shared/listener-limits.js';
import { viaCarries } from '../shared/http.js';
import { LogEvery } from '../shared/log-every.js';
import { EXPECTATION_MESSAGE, handleExpect, unsupportedExpectation } from '../shared/expect.js';
import { SHED_MESSAGE, SHED_RETRY_AFTER_S, type OverloadGuard } from './overload.js';
import type { AccessLog } from '../shared/access-log.js';
import type { Outcome } from '../shared/metrics.js';

export interface IngressDeps {
  proxy: Config['proxy'];
  /** The pipeline in force; read once per request so a reload swaps it atomically. */
  pipeline(): Pipeline;
  upstream: Upstream;
  /** Transparent mode: proxy.resolve pins for checking Host against the original destination. */
  resolver: Resolver;
  /** Where CONNECT tunnels and upgrades may connect (the upstream has its own, usually the same). */
  destinations: Dialer;
  metrics: Metrics;
  log: Logger;
  nodeId: string;
  connectPorts: ReadonlySet<number>;
  /** Connection caps and in-flight bound (proxy/overload.ts); none: unbounded. */
  overload?: OverloadGuard | undefined;
  /** hedge's own listeners a CONNECT may reach by the in-process internal hop (the front door). */
  internal?: InternalDestinations | undefined;
  /** proxy.accessLog (off unless configured). */
  accessLog?: AccessLog | undefined;
}

const UPGRADE_KEEP = new Set(['connection', 'upgrade']);

export class Ingress {
  readonly server: http.Server;
  private seq = 0;
  private draining = false;
  private readonly tunnels = new Set<Duplex>();
  private readonly hooks: RunHooks;
  private readonly viaToken: string;
  private readonly fair: FairShare;
  private readonly order = new PipelinedOrder();

  constructor(private readonly deps: IngressDeps) {
    const limits = deps.proxy.limits;
    this.viaToken = deps.proxy.via;
    this.fair = new FairShare(limits, (u) => u.cut?.());
    this.server = http.createServer({
      maxHeaderSize: limits.maxHeaderBytes,
      insecureHTTPParser: false,
      requireHostHeader: false, // absolute-form requests need no Host; origin-form is checked in target.ts
      keepAlive: true,
      noDelay: true,
      // Node checks headersTimeout and requestTimeout only this often (30 s by default): a slow sender would be cut that late.
      connectionsCheckingInterval: connectionsCheckingInterval(limits.headersTimeoutMs),
      // llhttp keeps only this many headers; one more than the limit lets us see "too many" and refuse instead of truncating.
    });
    this.server.maxHeadersCount = limits.maxHeaders + 1;
    // A client that half-closes after its last request still gets the answers to
    // everything it sent: by default Node aborts in-flight requests on the
    // client's FIN, after the origin may already have executed them.
    (this.server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    this.server.keepAliveTimeout = limits.idleTimeoutMs;
    this.server.headersTimeout = limits.headersTimeoutMs;
    this.server.requestTimeout = limits.requestTimeoutMs;
    this.server.timeout = limits.idleTimeoutMs;
    deps.accessLog?.attach(this.server);
    this.server.on('request', (req, res) => this.onRequest(req, res));
    this.server.on('connect', (req, socket, head) => this.onConnect(req, socket, head));
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => this.onClientError(err, socket));
    // "100 Continue" is sent when the upstream starts writing the body to the origin, the connection to it open:
    // after the framing checks, the pipeline, the destination policy and the fair share. A request refused before
    // gets its answer alone and the connection is closed. Expect itself is never forwarded (hop-by-hop.ts): the
    // origin gets the body at once. Another expectation takes the 'request' path too, so that it is refused and
    // counted where every other malformed request is (vet), 417 and closed (shared/expect.ts).
    handleExpect(this.server, (req, res) => this.server.emit('request', req, res));
    deps.overload?.attach(this.server);
    const stageFailures = new LogEvery(deps.log, 10_000, { maxKeys: 64 });
    this.hooks = {
      stageFailed: (stage, err) => {
        deps.metrics.stageError(stage);
        // A store that is down fails the stage on every request: one line per stage and error code every 10 s (the
        // metric counts each), not one per request.
        const code = (err as { code?: string })?.code;
        stageFailures.write('error', `${stage}\0${code ?? ''}`, 'pipeline stage failed; request continues without enrichment', {
          stage,
          code,
          error: (err as Error)?.name,
        });
      },
    };
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return listenOn(this.server, host, port, (err) => this.deps.log.error('proxy listener error; still serving', { code: err.code }));
  }

  /** Graceful drain: stop accepting, let in-flight requests finish, then cut what remains. */
  close(timeoutMs = this.deps.proxy.limits.drainTimeoutMs): Promise<void> {
    this.draining = true;
    this.fair.close();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      const timer = setTimeout(() => {
        this.server.closeAllConnections();
        for (const s of this.tunnels) s.destroy();
      }, timeoutMs);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        for (const s of this.tunnels) s.destroy();
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private nextId(): string {
    return `${this.deps.nodeId}-${(++this.seq).toString(36)}`;
  }

  private track = (s: Duplex) => {
    this.tunnels.add(s);
    s.once('close', () => this.tunnels.delete(s));
  };

  /** Common vetting for requests and upgrade handshakes: framing, size, target, loops. */
  private vet(req: http.IncomingMessage): { target: Target } | { status: number; code: ErrorCode; reason: string; message: string } {
    const problem = framingRefusal(req);
    if (problem) return problem;
    if (unsupportedExpectation(req)) return { status: 417, code: ErrorCodes.EXPECTATION_FAILED, reason: 'unsupported_expectation', message: EXPECTATION_MESSAGE };
    if (req.rawHeaders.length > this.deps.proxy.limits.maxHeaders * 2)
      return { status: 431, code: ErrorCodes.TOO_MANY_HEADERS, reason: 'too_many_headers', message: 'too many header fields' };
    const url = req.url ?? '';
    let t: TargetResult;
    if (this.deps.proxy.mode === 'forward') {
      t = url.charCodeAt(0) === 47 ? { error: 'this is a forward proxy: send the absolute URL (GET http://host/path)' } : parseAbsoluteForm(url);
    } else {
      const host = req.headers.host;
      t = url.charCodeAt(0) === 47 || url === '*' ? parseOriginForm(url, host) : parseAbsoluteForm(url);
    }
    if ('error' in t) return { status: 400, code: ErrorCodes.BAD_REQUEST_TARGET, reason: 'bad_target', message: t.error };
    if (viaCarries(req.headers.via, this.viaToken)) return { status: 508, code: ErrorCodes.LOOP_DETECTED, reason: 'loop', message: 'request loop detected (own Via token)' };
    return { target: t };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Parsed from the same bytes as a request refused with close: never executed, never answered, never counted.
    if (this.order.isClosing(req.socket)) return;
    const socket = req.socket;
    const overload = this.deps.overload;
    let share = '';
    if (overload) {
      const address = unmapIPv4(socket.remoteAddress ?? '');
      // Shed before anything else runs: no subscriber lookup, no identity, a few microseconds.
      // The connection stays open: answering on it costs less than the new
      // connection its client would otherwise make (overload.ts).
      if (!overload.enter(address)) {
        this.deps.metrics.request('shed');
        res.setHeader('retry-after', String(SHED_RETRY_AFTER_S));
        this.reply(res, 503, ErrorCodes.OVERLOADED, SHED_MESSAGE, false);
        overload.rest(socket);
        return;
      }
      // The client's share: past it, 429 and close, so what else it pipelined on this connection is never executed.
      const taken = overload.enterShare(address);
      if (taken === undefined) {
        overload.leave();
        this.deps.metrics.fairShareRefused('requests_per_client');
        res.setHeader('retry-after', String(SHED_RETRY_AFTER_S));
        return this.reply(res, 429, ErrorCodes.TOO_MANY_IN_FLIGHT, 'too many requests in progress from this address; try again when some have finished', true);
      }
      share = taken;
    }
    // One listener per request for all: the in-flight counts, and the pipelined-order state the connection no longer needs.
    // `on`, not `once`: a response emits 'close' once (Node guards it), and `once` would wrap and later unhook the listener.
    res.on('close', () => {
      if (overload) {
        overload.leave();
        overload.leaveShare(share);
      }
      this.order.left(socket, res);
    });
    this.handleRequest(req, res);
  }

  private handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = performance.now();
    const m = this.deps.metrics;
    // Parsed from the same bytes as a request refused with close: never executed, never answered.
    if (!this.order.admit(req, res)) return;
    if (this.draining) res.shouldKeepAlive = false;
    const vetted = this.vet(req);
    if (!('target' in vetted)) {
      m.malformedRequest(vetted.reason);
      this.outcome(res, 'bad_request');
      return this.reply(res, vetted.status, vetted.code, vetted.message, true);
    }
    // hedge's own page for the subscriber: answered in-process with the phone's address, never forwarded.
    const internal = this.deps.internal?.lookupHttp(vetted.target.host, vetted.target.port);
    if (internal && vetted.target.scheme === 'http') {
      this.outcome(res, 'internal');
      return internal(req, res, unmapIPv4(req.socket.remoteAddress ?? ''));
    }
    const listedDropped: string[] = [];
    const headers = endToEndHeaders(req.rawHeaders, undefined, listedDropped);
    headers.push('via', `${req.httpVersion} ${this.viaToken}`);
    const pipeline = this.deps.pipeline();
    const flow = new Flow(this.nextId(), unmapIPv4(req.socket.remoteAddress ?? ''), req.method ?? 'GET', vetted.target, headers, pipeline.policy, req.rawHeaders);
    flow.listedByConnection = listedDropped;
    const proceed = () => {
      const v = runPipeline(pipeline.stages, flow, this.hooks);
      if (v instanceof Promise)
        v.then(
          (verdict) => this.dispatch(flow, verdict, req, res, start),
          () => this.reply(res, 500, ErrorCodes.STAGE_FAILED, 'internal error', true),
        );
      else this.dispatch(flow, v, req, res, start);
    };
    if (this.deps.proxy.mode === 'transparent') {
      const verified = this.verifyDestination(flow, req);
      if (verified instanceof Promise) {
        verified.then(proceed, proceed);
        return;
      }
    }
    proceed();
  }

  /** Transparent mode: enrich only when Host agrees with the connection's original destination. */
  private verifyDestination(flow: Flow, req: http.IncomingMessage): void | Promise<void> {
    const mark = (ok: boolean) => {
      flow.destinationVerified = ok;
      if (!ok) this.deps.metrics.unverifiedDestination();
    };
    if (this.deps.proxy.originalDestination !== 'socket') return mark(false);
    const r = destinationMatches(flow.target, req.socket.localAddress ?? '', this.deps.resolver);
    if (r instanceof Promise) return r.then(mark);
    mark(r);
  }

  private dispatch(flow: Flow, verdict: Verdict, req: http.IncomingMessage, res: http.ServerResponse, start: number): void {
    const m = this.deps.metrics;
    for (const h of flow.stripped) m.strippedHeader(h);
    if (verdict.kind === 'stop') {
      this.outcome(res, 'refused', flow);
      return this.reply(res, verdict.status, verdict.code, verdict.message, false);
    }
    const enriched = flow.disclosures.length > 0;
    const plain = flow.target.scheme === 'http';
    for (const d of flow.disclosures) {
      m.enrichment(d.partnerId, d.attribute, d.form);
      if (plain && d.form === 'raw' && d.attribute !== 'client-ip') m.cleartextDisclosure(d.partnerId, d.attribute);
      // Which partner got which attribute in which form: names only, never the value.
      this.deps.log.debug('enriched', { partner: d.partnerId, attribute: d.attribute, form: d.form, header: d.header, host: flow.target.host });
    }
    const body = hasRequestBody(req);
    // A request with a body holds a pooled connection until its last byte: one client gets only its share (fair-share.ts).
    const upload = body ? this.fair.begin(flow.clientAddress, req) : undefined;
    if (body && !upload) {
      this.outcome(res, 'refused', flow);
      m.fairShareRefused('uploads_per_client');
      return this.reply(res, 429, ErrorCodes.TOO_MANY_UPLOADS, 'too many uploads in progress from this address; try again when one has finished', true);
    }
    const exchange = this.deps.upstream.forward(flow, req, res, body, (r) => {
      if (upload) this.fair.end(upload);
      if (r.error) {
        if (r.error.kind === 'busy' || r.error.kind === 'slow_body') {
          this.outcome(res, 'refused', flow);
          m.fairShareRefused(r.error.kind === 'busy' ? 'queue_timeout' : 'body_too_slow');
          const f = upstreamFailure(r.error.kind);
          this.reply(res, r.error.status, f.code, f.message, r.error.kind === 'slow_body');
        } else if (r.error.kind === 'destination') {
          this.outcome(res, 'refused', flow);
          m.destinationRefused('http', r.error.reason ?? 'denied');
          this.reply(res, 403, ErrorCodes.DESTINATION_REFUSED, 'the gateway does not connect to this destination', false);
        } else if (r.error.kind === 'unguarded') {
          m.upstreamError(r.error.kind);
          this.outcome(res, 'upstream_error', flow);
          this.deps.log.error('refused to send a flow the egress guard did not check', { code: ErrorCodes.EGRESS_UNGUARDED });
          this.reply(res, 500, ErrorCodes.EGRESS_UNGUARDED, 'the gateway refused to send a request its egress guard did not check', false);
        } else {
          m.upstreamError(r.error.kind);
          this.outcome(res, 'upstream_error', flow);
          const f = upstreamFailure(r.error.kind);
          // One line per failed request: the origin and why, never who asked.
          this.deps.log.warn('upstream failed', {
            code: f.code,
            kind: r.error.kind,
            status: r.error.status,
            host: flow.target.host,
            port: flow.target.port,
            partner: flow.partner?.id,
            enriched,
          });
          this.reply(res, r.error.status, f.code, f.message, false);
        }
      } else this.outcome(res, enriched ? 'enriched' : 'forwarded', flow);
      m.observeLatency((performance.now() - start) / 1000, enriched);
    });
    if (upload) upload.cut = () => exchange.cancel(codedError(ErrorCodes.REQUEST_BODY_TOO_SLOW, 'request body too slow'));
  }

  /** Counts the request's outcome and tells the access log (partner and disclosed attribute:form, never values). */
  private outcome(res: http.ServerResponse, outcome: Outcome, flow?: Flow): void {
    this.deps.metrics.request(outcome);
    const access = this.deps.accessLog;
    if (!access?.enabled) return;
    access.note(res, {
      outcome,
      host: flow ? flow.target.host : undefined,
      path: flow ? flow.target.path.replace(/[?#].*$/s, '') : undefined,
      partner: flow?.partner?.id,
      disclosed: flow?.disclosures.map((d) => `${d.attribute}:${d.form}`),
    });
  }

  private onConnect(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    adoptHandedOver(socket, this.deps.proxy.limits.idleTimeoutMs, this.track);
    if (this.order.underWay(socket)) return this.refuseTunnelBehind(socket, 'connect');
    const problem = framingRefusal(req);
    if (problem) {
      this.deps.metrics.malformedRequest(problem.reason);
      this.deps.metrics.tunnel('connect', 'refused');
      return rawReply(socket, problem.status, problem.code, problem.message);
    }
    handleConnect(req, socket, head, {
      destinations: this.deps.destinations,
      metrics: this.deps.metrics,
      allowedPorts: this.deps.connectPorts,
      connectTimeoutMs: this.deps.proxy.limits.upstreamConnectTimeoutMs,
      idleTimeoutMs: this.deps.proxy.limits.idleTimeoutMs,
      track: this.track,
      log: this.deps.log,
      internal: this.deps.internal,
      clientAddress: unmapIPv4(req.socket.remoteAddress ?? ''),
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    adoptHandedOver(socket, this.deps.proxy.limits.idleTimeoutMs, this.track);
    if (this.order.underWay(socket)) return this.refuseTunnelBehind(socket, 'upgrade');
    const m = this.deps.metrics;
    const vetted = this.vet(req);
    if (!('target' in vetted)) {
      m.malformedRequest(vetted.reason);
      m.tunnel('upgrade', 'refused');
      return rawReply(socket, vetted.status, vetted.code, vetted.message);
    }
    if (hasRequestBody(req)) {
      // The body would arrive with the bytes after the handshake, which are held until the origin agrees: refuse it.
      m.malformedRequest('body_on_upgrade');
      m.tunnel('upgrade', 'refused');
      return rawReply(socket, 400, ErrorCodes.AMBIGUOUS_FRAMING, 'an upgrade request carries no body');
    }
    if (upgradesToHttp(req.rawHeaders)) {
      // After a 101 the client would speak HTTP/2 straight to the origin, past the strip stage and the guard (upgrade.ts).
      m.malformedRequest('h2c_upgrade');
      m.tunnel('upgrade', 'refused');
      return rawReply(socket, 400, ErrorCodes.HTTP_VERSION, 'only HTTP/1.0 and HTTP/1.1 are spoken here: an upgrade to HTTP/2 (h2c) is refused');
    }
    if (vetted.target.scheme !== 'http') {
      m.tunnel('upgrade', 'refused');
      return rawReply(socket, 400, ErrorCodes.BAD_REQUEST_TARGET, 'upgrade to https targets goes through CONNECT');
    }
    const listedDropped: string[] = [];
    const headers = endToEndHeaders(req.rawHeaders, UPGRADE_KEEP, listedDropped);
    headers.push('via', `${req.httpVersion} ${this.viaToken}`);
    const pipeline = this.deps.pipeline();
    const flow = new Flow(this.nextId(), unmapIPv4(req.socket.remoteAddress ?? ''), req.method ?? 'GET', vetted.target, headers, pipeline.policy, req.rawHeaders);
    flow.listedByConnection = listedDropped;
    flow.enrichmentDisabled = true; // upgrades are relayed, never enriched
    const go = (v: Verdict) => {
      for (const h of flow.stripped) m.strippedHeader(h);
      if (v.kind === 'stop') return rawReply(socket, v.status, v.code, v.message);
      relayUpgrade(flow, socket, head, {
        destinations: this.deps.destinations,
        metrics: m,
        connectTimeoutMs: this.deps.proxy.limits.upstreamConnectTimeoutMs,
        idleTimeoutMs: this.deps.proxy.limits.idleTimeoutMs,
        track: this.track,
      });
    };
    const v = runPipeline(pipeline.stages, flow, this.hooks);
    if (v instanceof Promise) v.then(go, () => rawReply(socket, 500, ErrorCodes.STAGE_FAILED, 'internal error'));
    else go(v);
  }

  /**
   * A CONNECT or upgrade pipelined behind a request still being answered. Node hands the socket over at
   * once, and the earlier response would be written after the tunnel's "200" or the origin's "101" — into
   * the tunnel, or read as this request's answer. Refused once every earlier answer has left (pipelined-order.ts).
   */
  private refuseTunnelBehind(socket: Duplex, kind: 'connect' | 'upgrade'): void {
    const message = 'a CONNECT or upgrade must wait until the requests before it on the connection are answered';
    this.deps.metrics.tunnel(kind, 'refused');
    const counted = this.order.parserRefused(
      socket,
      () => rawReply(socket, 400, ErrorCodes.MALFORMED_REQUEST, message),
      (res) => this.reply(res, 400, ErrorCodes.MALFORMED_REQUEST, message, true),
    );
    if (counted) this.deps.metrics.malformedRequest('tunnel_behind_pipelined_request');
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const code = err.code ?? 'unknown';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (code === 'HPE_INVALID_EOF_STATE') return this.clientLeft(socket);
    const r = parserRefusal(code);
    const counted = this.order.parserRefused(
      socket,
      () => rawReply(socket, r.status, r.code, r.message),
      (res) => this.reply(res, r.status, r.code, r.message, true),
    );
    if (counted) this.deps.metrics.malformedRequest(code.replace(/^HPE_/, '').toLowerCase());
  }

  /**
   * The client hung up (FIN) in the middle of a request head or body: it
   * left, as a reset does, and nothing was malformed (every listener treats it
   * so: shared/parser-refusal.ts). Nothing is counted and the request cut
   * short gets no answer. The answers to the complete requests before it still
   * go out (the client half-closed: it may be reading them), then the
   * connection is closed; a request whose body was cut short cannot be
   * finished, so its exchange and the connection are cut.
   */
  private clientLeft(socket: Duplex): void {
    this.order.parserRefused(
      socket,
      () => lingerThenClose(socket),
      () => socket.destroy(),
    );
  }

  private reply(res: http.ServerResponse, status: number, code: ErrorCode, message: string, close: boolean): void {
    if (res.writableEnded) return; // already answered (a refusal of its broken body)
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = `${message}\n`;
    // A request body we will not read must not be parsed as the next request.
    if (close || hasRequestBody(res.req)) {
      res.shouldKeepAlive = false;
      this.order.closing(res.req.socket);
    }
    // The reason is given, not left to Node: a writeHead that threw (an origin's header Node refused) has left
    // its statusMessage behind, and Node would reuse it.
    res.writeHead(status, http.STATUS_CODES[status] ?? 'Error', {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-hedge-error': code,
      ...(close ? { connection: 'close' } : {}),
    });
    res.end(body);
  }
}

/** llhttp's errors about message framing: the request could be read two ways. */
const FRAMING_PARSE_ERRORS = new Set([
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'HPE_INVALID_CONTENT_LENGTH',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_CHUNK_EXTENSIONS_OVERFLOW',
]);

/** Status, code and words for a request the parser itself refused. */
export function parserRefusal(code: string): { status: number; code: ErrorCode; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: ErrorCodes.HEADERS_TOO_LARGE, message: 'request header too large' };
  if (code === 'HPE_INVALID_VERSION') return { status: 400, code: ErrorCodes.HTTP_VERSION, message: 'only HTTP/1.0 and HTTP/1.1 requests are accepted' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: ErrorCodes.REQUEST_TIMEOUT, message: 'request timeout' };
  if (FRAMING_PARSE_ERRORS.has(code)) return { status: 400, code: ErrorCodes.AMBIGUOUS_FRAMING, message: 'ambiguous request framing' };
  return { status: 400, code: ErrorCodes.MALFORMED_REQUEST, message: 'malformed request' };
}

/** The refusal for a request whose version or framing is not unambiguous (framing.ts), if any. */
function framingRefusal(req: http.IncomingMessage): { status: number; code: ErrorCode; reason: string; message: string } | undefined {
  const problem = framingProblem(req);
  if (!problem) return undefined;
  if (problem === 'http_version') return { status: 400, code: ErrorCodes.HTTP_VERSION, reason: problem, message: 'only HTTP/1.0 and HTTP/1.1 requests are accepted' };
  return { status: 400, code: ErrorCodes.AMBIGUOUS_FRAMING, reason: problem, message: 'ambiguous request framing' };
}
