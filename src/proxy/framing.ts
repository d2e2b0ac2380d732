// A proxy is a security boundary: a request whose message framing two parsers
// could read differently is refused (400, connection closed), never forwarded.
// llhttp (Node's parser, strict mode) already rejects whitespace or control
// bytes in header names, bad chunk sizes, CL+TE together and non-numeric
// Content-Length; this adds the checks it leaves to the application.
import type { IncomingMessage } from 'node:http';

const FORBIDS_BODY = new Set(['HEAD', 'TRACE', 'CONNECT', 'GET']);

/**
 * True when a header name spells Content-Length or Transfer-Encoding once
 * case and punctuation are ignored ("Content_Length", "Transfer__Encoding",
 * "-Content-Length", "ContentLength"…) but is not exactly that name. A backend
 * that normalises names (CGI/WSGI map "-" to "_") could read it as framing.
 * Walks the name once and gives up at the first letter that fits neither, so
 * ordinary names cost a character or two.
 */
export function isFramingLookalike(name: string): boolean {
  let cl = 0; // letters of "contentlength" matched so far
  let te = 0; // letters of "transferencoding" matched so far
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    const letter = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (!letter) continue;
    cl = cl >= 0 && cl < CL.length && CL.charCodeAt(cl) === c ? cl + 1 : -1;
    te = te >= 0 && te < TE.length && TE.charCodeAt(te) === c ? te + 1 : -1;
    if (cl < 0 && te < 0) return false;
  }
  if (cl === CL.length) return name.toLowerCase() !== 'content-length';
  if (te === TE.length) return name.toLowerCase() !== 'transfer-encoding';
  return false;
}
const CL = 'contentlength';
const TE = 'transferencoding';

/** Optional whitespace (RFC 9110 §5.6.3) is SP or HTAB only; String.trim() would also drop NBSP, VT, FF. */
function trimOws(v: string): string {
  return v.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Returns a reason (used as a metric label) when framing is ambiguous, else undefined. */
export function framingProblem(req: IncomingMessage): string | undefined {
  if (req.httpVersionMajor !== 1 || (req.httpVersionMinor !== 0 && req.httpVersionMinor !== 1)) return 'http_version';
  const raw = req.rawHeaders;
  let cl: string | undefined;
  let clCount = 0;
  let te: string | undefined;
  let teCount = 0;
  let hostCount = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const len = name.length;
    if (len >= 13 && isFramingLookalike(name)) return 'framing_header_lookalike';
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
  if (clCount === 1 && !/^\d{1,15}$/.test(trimOws(cl!))) return 'invalid_content_length';
  if (teCount > 0) {
    if (clCount > 0) return 'content_length_with_transfer_encoding';
    if (teCount > 1) return 'duplicate_transfer_encoding';
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return 'transfer_encoding_in_http10';
    if (trimOws(te!).toLowerCase() !== 'chunked') return 'unsupported_transfer_encoding';
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
