// A proxy is a security boundary: a request whose message framing two parsers
// could read differently is refused (400, connection closed), never forwarded.
// llhttp (Node's parser, strict mode) already rejects whitespace or control
// bytes in header names, bad chunk sizes, CL+TE together and non-numeric
// Content-Length; this adds the checks it leaves to the application.
import type { IncomingMessage } from 'node:http';

const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'TRACE', 'CONNECT', 'OPTIONS', 'DELETE']);
const FORBIDS_BODY = new Set(['HEAD', 'TRACE', 'CONNECT', 'GET']);

/** Returns a reason (used as a metric label) when framing is ambiguous, else undefined. */
export function framingProblem(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let cl: string | undefined;
  let clCount = 0;
  let te: string | undefined;
  let teCount = 0;
  let hostCount = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const len = name.length;
    // Cheap length filter before lower-casing: only these three names matter here.
    if (len !== 14 && len !== 17 && len !== 4) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      clCount++;
      cl = raw[i + 1];
    } else if (lower === 'transfer-encoding') {
      teCount++;
      te = raw[i + 1];
    } else if (lower === 'host') hostCount++;
  }
  if (hostCount > 1) return 'duplicate_host';
  if (clCount > 1) return 'duplicate_content_length';
  if (clCount === 1 && !/^\d{1,15}$/.test(cl!.trim())) return 'invalid_content_length';
  if (teCount > 0) {
    if (clCount > 0) return 'content_length_with_transfer_encoding';
    if (teCount > 1) return 'duplicate_transfer_encoding';
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return 'transfer_encoding_in_http10';
    if (te!.trim().toLowerCase() !== 'chunked') return 'unsupported_transfer_encoding';
  }
  const hasBody = teCount > 0 || (clCount === 1 && Number(cl) > 0);
  if (hasBody && FORBIDS_BODY.has(req.method ?? '')) return 'body_not_allowed_for_method';
  return undefined;
}

/** True when the request carries a body that must be streamed upstream. */
export function hasRequestBody(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  if (cl !== undefined) return cl !== '0';
  return false;
}

export function methodUsuallyHasNoBody(method: string): boolean {
  return NO_BODY_METHODS.has(method);
}
