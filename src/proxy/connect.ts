// CONNECT tunnels: opaque bytes relayed unchanged both ways. Never enriched —
// the gateway cannot see inside TLS and must not try. Counted.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Metrics } from '../shared/metrics.js';
import type { Dialer } from '../destination/policy.js';
import { parseAuthority } from '../shared/request-target.js';
import { rawReply, relay } from './relay.js';
import { ErrorCodes, type ErrorCode } from '../shared/errors.js';
import type { InternalDestinations } from './internal-destinations.js';
import type { Logger } from '../shared/log.js';

export interface ConnectOptions {
  destinations: Dialer;
  metrics: Metrics;
  /** Ports a tunnel may reach; empty means any. */
  allowedPorts: ReadonlySet<number>;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  track(socket: Duplex): void;
  log: Logger;
  /** hedge's own listeners reachable by CONNECT (the front door), handed over in-process; consulted first. */
  internal?: InternalDestinations | undefined;
  /** The phone's address (what an internal destination needs to recognise the subscriber). */
  clientAddress?: string;
}

export function handleConnect(req: IncomingMessage, client: Duplex, head: Buffer, opts: ConnectOptions): void {
  const url = req.url ?? '';
  const auth = parseAuthority(url, 443);
  if (!auth || !url.includes(':')) return refuse(client, 400, ErrorCodes.BAD_REQUEST_TARGET, 'CONNECT needs host:port', opts);
  const internal = opts.internal?.lookup(auth.host, auth.port);
  if (internal) {
    opts.metrics.tunnel('connect', 'internal');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    internal(client, opts.clientAddress ?? '', head);
    return;
  }
  if (opts.allowedPorts.size > 0 && !opts.allowedPorts.has(auth.port)) return refuse(client, 403, ErrorCodes.CONNECT_PORT_REFUSED, 'CONNECT to this port is not allowed', opts);
  relay(
    client,
    auth,
    head,
    opts,
    () => {
      opts.metrics.tunnel('connect', 'opened');
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    },
    (f) => {
      opts.metrics.tunnel('connect', f.outcome);
      if (f.outcome === 'refused') opts.metrics.destinationRefused('connect', f.reason);
      // One line per tunnel that could not reach its origin: where, never who asked.
      else opts.log.warn('upstream failed', { channel: 'connect', host: auth.host, port: auth.port, code: ErrorCodes.UPSTREAM_UNREACHABLE });
    },
  );
}

function refuse(client: Duplex, status: number, code: ErrorCode, msg: string, opts: ConnectOptions): void {
  opts.metrics.tunnel('connect', 'refused');
  rawReply(client, status, code, msg);
}
