// The leak checker's own scrape endpoint (`hedge check --metrics-listen`): a
// checker run on its own has no admin listener, so without this its refusal
// counters and process metrics reached no one. A separate listener from the
// public ones, meant for the operator's network (loopback or a management
// address): GET /metrics (Prometheus text) and GET /healthz, nothing else.
// It reads no body and holds a connection no longer than a scrape needs;
// its own refusals are counted beside the checker's, with their own name.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../shared/log.js';
import { sendError, sendJson } from '../shared/http.js';
import { ErrorCodes } from '../shared/errors.js';
import { listenOn } from '../shared/listen.js';
import { boundListener, timeoutOptions, type ListenerLimits } from '../shared/listener-limits.js';
import { answerParserRefusal, type ParserRefusal } from '../shared/parser-refusal.js';
import { handleExpect, refuseExpectation, type ExpectationRefusal } from '../shared/expect.js';

/** A scraper sends one short request at a time: tight bounds, a few connections. */
export const METRICS_LISTENER_LIMITS: ListenerLimits = { headersTimeoutMs: 5_000, idleTimeoutMs: 60_000, maxConnections: 16, maxConnectionsPerAddress: 8 };

export interface MetricsListenerOptions {
  host: string;
  port: number;
  registry: Registry;
  log: Logger;
  limits?: ListenerLimits;
}

export interface RunningMetricsListener {
  address: AddressInfo;
  url: string;
  close(): Promise<void>;
}

/** Why the scrape listener refused: the parser's reasons, a method or a path it does not serve. */
type MetricsRefusal = ParserRefusal | ExpectationRefusal | 'method' | 'not_found' | 'connections';

export async function startMetricsListener(opts: MetricsListenerOptions): Promise<RunningMetricsListener> {
  const limits = opts.limits ?? METRICS_LISTENER_LIMITS;
  const refusals = new Counter({
    name: 'hedge_checker_metrics_refusals_total',
    help: "Requests to the leak checker's metrics listener refused: malformed, timeout, headers_too_large (cut by the parser), expectation (417: an Expect other than 100-continue), method (not GET/HEAD), not_found, connections (over its caps)",
    labelNames: ['reason'],
    registers: [opts.registry],
  });
  const refused = (reason: MetricsRefusal) => refusals.inc({ reason });
  const server = http.createServer({ maxHeaderSize: 8 * 1024, ...timeoutOptions(limits) }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refused('method');
      // A body it will not read: the connection is closed after the answer rather than drained.
      return sendError(res, 405, ErrorCodes.METHOD_NOT_ALLOWED, 'use GET', { allow: 'GET, HEAD', connection: 'close' });
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path !== '/metrics') {
      refused('not_found');
      return sendError(res, 404, ErrorCodes.NOT_FOUND, 'this listener serves /metrics and /healthz');
    }
    opts.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': opts.registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        opts.log.error('checker metrics failed', { error: (err as Error).name });
        if (!res.headersSent) sendError(res, 500, ErrorCodes.INTERNAL, 'internal error');
        else res.destroy();
      },
    );
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const r = answerParserRefusal(err, socket);
    if (r) refused(r);
  });
  // It reads no body: a request expecting 100-continue gets its answer without one (shared/expect.ts).
  handleExpect(server, (_req, res) => {
    refused('expectation');
    refuseExpectation(res);
  });
  boundListener(server, limits, () => refused('connections'));
  let address: AddressInfo;
  try {
    address = await listenOn(server, opts.host, opts.port, (err) => opts.log.error('checker metrics listener error; still serving', { code: err.code }));
  } catch (err) {
    server.close();
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    address,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
