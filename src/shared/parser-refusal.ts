// A request an http.Server's parser refused, or a client that did not send
// one in time (its 'clientError'): answered as Node would (400, 408, 431) but
// with a hedge error code, the connection closed, and reported with a bounded
// reason for the listener to count. A client that reset or left is no
// refusal: there is no one to answer. Leaving mid-request includes a stream
// that ended mid-head (HPE_INVALID_EOF_STATE): a client's FIN, or, over TLS,
// what a reset of the TCP connection underneath looks like to the parser.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCodes, type ErrorCode } from './errors.js';

/** Why the parser refused a request: the only label its refusal carries. */
export type ParserRefusal = 'malformed' | 'timeout' | 'headers_too_large';

/** Answers and closes; the refusal, or undefined when the client had already gone. */
export function answerParserRefusal(err: NodeJS.ErrnoException, socket: Duplex): ParserRefusal | undefined {
  if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const [status, reason, code]: [number, ParserRefusal, ErrorCode] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'timeout', ErrorCodes.REQUEST_TIMEOUT]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', ErrorCodes.HEADERS_TOO_LARGE]
        : [400, 'malformed', ErrorCodes.MALFORMED_REQUEST];
  // An answer already started on this connection cannot be followed by another.
  if ((socket as { _httpMessage?: http.ServerResponse })._httpMessage?.headersSent) {
    socket.destroy();
    return reason;
  }
  const body = JSON.stringify({ error: { code, message: http.STATUS_CODES[status]!.toLowerCase() } }) + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  );
  (socket as Duplex & { destroySoon?: () => void }).destroySoon?.();
  return reason;
}
