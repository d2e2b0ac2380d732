// Small helpers for the JSON APIs hedge serves (admin, checker).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, type ErrorCode } from './errors.js';

/** An admin API route handler (added by each capability); returns true when it handled the request. */
export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...extra });
  res.end(text);
}

/** A JSON error answer `{error: {code, message}}`; the code comes from the catalogue (errors.ts). */
export function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, extra);
}

/** A request body larger than the endpoint takes: answered 413 by refuseBody. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * Reads a JSON body up to `limit` bytes; rejects with BodyTooLarge, or with a
 * message fit for a 400. A body over the limit is refused as soon as it is
 * announced (Content-Length) or found (chunked), and the rest is read and
 * dropped rather than the connection reset: the client gets its answer
 * (refuseBody closes the connection after it).
 */
export function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      return reject(new BodyTooLarge(limit));
    }
    let size = 0;
    const chunks: Buffer[] = [];
    const collect = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', collect);
        req.resume();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    req.on('data', collect);
    req.on('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new Error('body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * Answers a body readJson refused: 413 HEDGE_ERR_BODY_TOO_LARGE with the
 * connection closed after it (the rest of that body is never parsed as a next
 * request), or 400 with the endpoint's own code.
 */
export function refuseBody(res: ServerResponse, err: unknown, code: ErrorCode): void {
  if (err instanceof BodyTooLarge) return sendError(res, 413, ErrorCodes.BODY_TOO_LARGE, err.message, { connection: 'close' });
  sendError(res, 400, code, (err as Error).message);
}

/**
 * Whether a Via header names `token` as a hop ("1.1 hedge", "HTTP/1.1 hedge (comment)"):
 * the request passed through this gateway's proxy.
 */
export function viaCarries(via: string | undefined, token: string): boolean {
  if (via === undefined) return false;
  return via.split(',').some((v) => v.trim().split(/\s+/)[1] === token);
}
