// The ONLY place that sends requests to origins. Uses undici's pooled
// keep-alive Agent with a dispatch handler that writes straight into the
// client's response: no intermediate streams, bodies never buffered whole,
// backpressure passed both ways.
import type { Agent, Dispatcher } from 'undici';
import { UndiciAgent } from '../shared/undici.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Flow } from '../pipeline/flow.js';
import type { LimitsConfig } from '../config/schema.js';
import type { UpstreamErrorKind } from '../shared/metrics.js';
import { endToEndResponseHeaders } from './hop-by-hop.js';
import { formatAuthority } from '../shared/request-target.js';
import { passedGuard } from '../pipeline/guard-seal.js';
import { policyConnector } from '../destination/connect.js';
import type { Dialer, RefusalReason } from '../destination/policy.js';
import { ErrorCodes, type ErrorCode } from '../shared/errors.js';

export interface UpstreamResult {
  /** Set when the origin could not be reached or failed before a response head. */
  error?: UpstreamError;
}

export interface UpstreamError {
  kind: UpstreamErrorKind;
  status: 403 | 408 | 500 | 502 | 503 | 504;
  /** kind 'destination': why the destination policy refused it. */
  reason?: RefusalReason;
}

/** A request handed to the upstream: `cancel` ends it (a coded error) wherever it is, queued or sending. */
export interface Exchange {
  cancel(err: Error): void;
}
const NO_EXCHANGE: Exchange = { cancel: () => {} };

/** An Error with one of hedge's codes, for the upstream to classify. */
export function codedError(code: ErrorCode, message: string): Error & { code: ErrorCode } {
  return Object.assign(new Error(message), { code });
}

export interface UpstreamOptions {
  limits: LimitsConfig;
  /** Every connection is opened through it (destination/policy.ts): pins, checks, one lookup. */
  destinations: Dialer;
  /** Extra TLS options for https origins (CA for labs). */
  tls?: { ca?: string | Buffer | undefined; rejectUnauthorized?: boolean };
}

export class Upstream {
  private readonly agent: Agent;
  private readonly agentOptions: Agent.Options;
  private readonly queueTimeoutMs: number;
  private readonly makeAgent: (tls: { ca?: string | Buffer | undefined; rejectUnauthorized?: boolean } | undefined) => Agent;
  /** Agents for partners with their own CA (`ca:`), by the compiled CA buffer; deduplicated by content across reloads. */
  private readonly caAgents = new WeakMap<Buffer, Agent>();
  private readonly caAgentsByPem = new Map<string, Agent>();

  constructor(opts: UpstreamOptions) {
    this.agentOptions = {
      connections: opts.limits.upstreamConnections,
      pipelining: 1,
      headersTimeout: opts.limits.upstreamHeadersTimeoutMs,
      bodyTimeout: opts.limits.upstreamBodyTimeoutMs,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
    };
    this.queueTimeoutMs = opts.limits.upstreamQueueTimeoutMs;
    const timeout = opts.limits.upstreamConnectTimeoutMs;
    this.makeAgent = (tls) => new UndiciAgent({ ...this.agentOptions, connect: policyConnector(opts.destinations, { ...tls, timeout }) });
    this.agent = this.makeAgent(opts.tls);
  }

  /** The dispatcher for a flow: the shared pool, or the pool that trusts its partner's own CA. */
  private dispatcherFor(flow: Flow): Agent {
    const ca = flow.partner?.ca;
    if (ca === undefined || flow.target.scheme !== 'https') return this.agent;
    let a = this.caAgents.get(ca);
    if (!a) {
      const pem = ca.toString('utf8');
      a = this.caAgentsByPem.get(pem);
      if (!a) {
        // rejectUnauthorized stays true: a lab CA is trusted, an unverified certificate never is.
        a = this.makeAgent({ ca: pem, rejectUnauthorized: true });
        this.caAgentsByPem.set(pem, a);
      }
      this.caAgents.set(ca, a);
    }
    return a;
  }

  /** The pool a flow's request goes to: its own host and port (the connector applies proxy.resolve pins and the destination policy). */
  origin(flow: Flow): string {
    const t = flow.target;
    return `${t.scheme}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  }

  /**
   * Sends the flow's request and streams the response into `res`.
   * `done` is called once: with an error before any response byte was written
   * (the caller answers 502/504), or without one when the exchange ended.
   */
  forward(flow: Flow, req: IncomingMessage, res: ServerResponse, body: boolean, done: (r: UpstreamResult) => void): Exchange {
    // Only what the egress guard checked may leave (pipeline/guard-seal.ts): no code path bypasses it.
    if (!passedGuard(flow)) {
      done({ error: { kind: 'unguarded', status: 500 } });
      return NO_EXCHANGE;
    }
    const headers = flow.headers;
    headers.push('host', formatAuthority(flow.target));
    const handler = new ResponseRelay(res, done, this.queueTimeoutMs);
    const opts: Dispatcher.DispatchOptions = {
      origin: this.origin(flow),
      path: flow.target.path,
      method: flow.method as Dispatcher.HttpMethod,
      headers,
      body: body ? req : null,
    };
    // The pool's origin is the host name, so the certificate is checked against it even when proxy.resolve pins an address.
    try {
      this.dispatcherFor(flow).dispatch(opts, handler as unknown as Dispatcher.DispatchHandler);
    } catch (err) {
      handler.onError(err as Error);
    }
    return handler;
  }

  close(): Promise<void> {
    return Promise.all([this.agent.close(), ...[...this.caAgentsByPem.values()].map((a) => a.close())]).then(() => undefined);
  }

  destroy(): Promise<void> {
    return Promise.all([this.agent.destroy(), ...[...this.caAgentsByPem.values()].map((a) => a.destroy())]).then(() => undefined);
  }
}

/** What Node's ServerResponse accepts as a reason phrase (its checkInvalidHeaderChar, inverted). */
const WRITABLE_REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

/** undici's (legacy, zero-copy) handler interface, writing into a ServerResponse. */
class ResponseRelay implements Exchange {
  private abort: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private finished = false;
  /** Set when the exchange was cancelled while still waiting for a pooled connection: it is never written. */
  private cancelled: Error | undefined;
  private queueTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly done: (r: UpstreamResult) => void,
    queueTimeoutMs: number,
  ) {
    res.on('close', this.onClientClose); // emitted once: `once` would only add a wrapper to build and unhook
    // No request waits for a connection longer than this: a slow client elsewhere cannot make everyone wait (fair-share.ts).
    if (queueTimeoutMs > 0) this.queueTimer = setTimeout(() => this.cancel(codedError(ErrorCodes.UPSTREAM_BUSY, 'no pooled connection became free in time')), queueTimeoutMs);
  }

  cancel(err: Error): void {
    if (this.finished) return;
    if (this.abort) return this.abort(err); // undici ends the request and calls onError(err)
    this.cancelled = err;
    this.onError(err);
  }

  private readonly onClientClose = () => {
    if (!this.finished && this.abort) this.abort(new Error('client closed'));
  };

  private readonly onDrain = () => {
    this.resume?.();
  };

  onConnect(abort: (err?: Error) => void): void {
    clearTimeout(this.queueTimer);
    this.abort = abort;
    if (this.cancelled || this.res.destroyed) abort(this.cancelled ?? new Error('client closed'));
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true; // 1xx informational: undici continues to the final response
    if (this.res.headersSent) {
      // The gateway already answered this request (its body was malformed): the origin's answer is not wanted.
      this.abort?.(new Error('already answered'));
      return false;
    }
    this.resume = resume;
    // Node refuses to write a reason phrase with a control byte or a character above U+00FF (undici reads a
    // Latin-1 byte such as "N\xe3o Encontrado" as U+FFFD) and would throw: the status code's own reason then.
    this.res.writeHead(status, statusText !== '' && WRITABLE_REASON.test(statusText) ? statusText : undefined, endToEndResponseHeaders(raw));
    return true;
  }

  onData(chunk: Buffer): boolean {
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', this.onDrain);
    return ok;
  }

  onComplete(): void {
    clearTimeout(this.queueTimer);
    this.finished = true;
    this.res.end();
    this.done({});
  }

  onError(err: Error): void {
    clearTimeout(this.queueTimer);
    if (this.finished) return;
    this.finished = true;
    if (this.res.headersSent) {
      // Mid-body failure: the only honest signal left is to cut the connection.
      this.res.destroy();
      this.done({});
      return;
    }
    this.done({ error: classify(err) });
  }

  onUpgrade(): void {
    // Upgrades take the raw-socket path (proxy/upgrade.ts), never this one.
  }
}

/** The code and words a client gets for an upstream failure of this kind (one per cause). */
export function upstreamFailure(kind: UpstreamErrorKind): { code: ErrorCode; message: string } {
  switch (kind) {
    case 'destination':
      return { code: ErrorCodes.DESTINATION_REFUSED, message: 'the gateway does not connect to this destination' };
    case 'timeout':
      return { code: ErrorCodes.UPSTREAM_TIMEOUT, message: 'upstream timed out' };
    case 'refused':
      return { code: ErrorCodes.UPSTREAM_UNREACHABLE, message: 'upstream unreachable' };
    case 'dns':
      return { code: ErrorCodes.UPSTREAM_DNS, message: 'upstream host name could not be resolved' };
    case 'tls':
      return { code: ErrorCodes.UPSTREAM_TLS, message: 'upstream TLS handshake or certificate check failed' };
    case 'unguarded':
      return { code: ErrorCodes.EGRESS_UNGUARDED, message: 'the gateway refused to send a request its egress guard did not check' };
    case 'busy':
      return { code: ErrorCodes.UPSTREAM_BUSY, message: 'every connection to this site is busy; try again shortly' };
    case 'slow_body':
      return { code: ErrorCodes.REQUEST_BODY_TOO_SLOW, message: 'the request body arrived too slowly' };
    default:
      return { code: ErrorCodes.UPSTREAM_RESET, message: 'upstream closed the connection' };
  }
}

export function classify(err: Error & { code?: string; reason?: RefusalReason }): UpstreamError {
  switch (err.code) {
    case ErrorCodes.DESTINATION_REFUSED:
      return { kind: 'destination', status: 403, reason: err.reason };
    case ErrorCodes.UPSTREAM_BUSY:
      return { kind: 'busy', status: 503 };
    case ErrorCodes.REQUEST_BODY_TOO_SLOW:
      return { kind: 'slow_body', status: 408 };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'ETIMEDOUT':
      return { kind: 'timeout', status: 504 };
    case 'ECONNREFUSED':
      return { kind: 'refused', status: 502 };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { kind: 'reset', status: 502 };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'dns', status: 502 };
    default:
      // Certificate verification failures carry OpenSSL's X509 names (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN…).
      if (err.code !== undefined && /^ERR_(TLS|SSL)|CERT|UNABLE_TO_(VERIFY|GET_ISSUER)|SELF_SIGNED/.test(err.code)) return { kind: 'tls', status: 502 };
      return { kind: 'other', status: 502 };
  }
}
