// Small helpers for the JSON APIs hedge serves (admin, checker).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from './errors.js';

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

/** Reads a JSON body up to `limit` bytes; rejects with a message fit for a 400. */
export function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
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
 * Whether a Via header names `token` as a hop ("1.1 hedge", "HTTP/1.1 hedge (comment)"):
 * the request passed through this gateway's proxy.
 */
export function viaCarries(via: string | undefined, token: string): boolean {
  if (via === undefined) return false;
  return via.split(',').some((v) => v.trim().split(/\s+/)[1] === token);
}
