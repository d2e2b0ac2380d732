// The access log: one line per request a listener answered, off by default and
// switched on per listener (`proxy.accessLog`, `admin.accessLog`). It names
// what happened — listener, method, host, path without its query, status,
// bytes, duration, partner, the disclosed attributes and forms, outcome — and
// never who: no identifier, no header value, and the client address only when
// the operator asked for it (an address is itself an identifier).
import type http from 'node:http';
import type { Logger } from './log.js';

export interface AccessLogOptions {
  enabled: boolean;
  /** Log the client's address (off by default: it identifies the subscriber). */
  clientAddress: boolean;
}

/** What the request's handler knows beyond the HTTP exchange (the proxy: partner, disclosures, outcome). */
export interface AccessNote {
  host?: string;
  path?: string;
  partner?: string;
  /** "attribute:form", e.g. "msisdn:pseudonym". */
  disclosed?: string[];
  outcome?: string;
}

export class AccessLog {
  private readonly notes = new WeakMap<http.ServerResponse, AccessNote>();
  private readonly log: Logger;

  constructor(
    log: Logger,
    private readonly listener: string,
    private readonly opts: AccessLogOptions,
  ) {
    this.log = log.child({ log: 'access' });
  }

  get enabled(): boolean {
    return this.opts.enabled;
  }

  /** Logs every request `server` answers, once its response is finished or its connection gone. */
  attach(server: http.Server): void {
    if (!this.opts.enabled) return;
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.track(req, res));
  }

  /** Adds what the handler learnt (merged; later notes win). No-op when the log is off. */
  note(res: http.ServerResponse, note: AccessNote): void {
    if (!this.opts.enabled) return;
    this.notes.set(res, { ...this.notes.get(res), ...note });
  }

  private track(req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = performance.now();
    const socket = req.socket;
    const before = socket.bytesWritten;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const n = this.notes.get(res) ?? {};
      const target = splitTarget(req);
      this.log.info('access', {
        listener: this.listener,
        method: req.method,
        host: n.host ?? target.host,
        path: n.path ?? target.path,
        status: res.headersSent ? res.statusCode : 0,
        bytes: Math.max(0, socket.bytesWritten - before),
        durationMs: Math.round((performance.now() - start) * 1000) / 1000,
        partner: n.partner,
        disclosed: n.disclosed?.length ? n.disclosed : undefined,
        outcome: n.outcome ?? (res.writableFinished ? 'completed' : 'aborted'),
        ...(this.opts.clientAddress ? { clientAddress: socket.remoteAddress } : {}),
      });
    };
    res.once('finish', finish);
    res.once('close', finish);
  }
}

/** Host and path of a request, the query dropped (queries carry tokens and identifiers). */
export function splitTarget(req: http.IncomingMessage): { host: string | undefined; path: string } {
  const raw = req.url ?? '';
  if (raw.charCodeAt(0) === 47) return { host: req.headers.host, path: stripQuery(raw) };
  try {
    const u = new URL(raw);
    return { host: u.host, path: u.pathname };
  } catch {
    return { host: req.headers.host, path: stripQuery(raw).slice(0, 256) };
  }
}

function stripQuery(p: string): string {
  const i = p.search(/[?#]/);
  return i < 0 ? p : p.slice(0, i);
}
