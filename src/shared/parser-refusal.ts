// A request an http.Server's parser refused, or a client that did not send
// one in time (its 'clientError'): answered as Node would (400, 408, 431) but
// with a hedge error code, the connection closed after a short linger (a
// client that never reads or closes does not keep it: linger.ts), and
// reported with a bounded reason for the listener to count. A client that reset or left is no
// refusal: there is no one to answer. Leaving mid-request includes a stream
// that ended mid-head (HPE_INVALID_EOF_STATE): a client's FIN, or, over TLS,
// what a reset of the TCP connection underneath looks like to the parser.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCodes, type ErrorCode } from './errors.js';
import { lingerThenClose } from './linger.js';

/** Why the parser refused a request: the only label its refusal carries. */
export type ParserRefusal = 'malformed' | 'timeout' | 'headers_too_large';

interface RefusalAnswer {
  reason: ParserRefusal;
  /** The whole HTTP answer (status, the hedge code in a JSON body, `connection: close`); undefined when an answer already started on this connection, which cannot be followed by another. */
  response: string | undefined;
}

/** What a clientError calls for: the refusal and its answer, or undefined when the client had already gone (then nothing is counted). */
function parserRefusalOf(err: NodeJS.ErrnoException, socket: Duplex): RefusalAnswer | undefined {
  if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) return undefined;
  const [status, reason, code]: [number, ParserRefusal, ErrorCode] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'timeout', ErrorCodes.REQUEST_TIMEOUT]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', ErrorCodes.HEADERS_TOO_LARGE]
        : [400, 'malformed', ErrorCodes.MALFORMED_REQUEST];
  if ((socket as { _httpMessage?: http.ServerResponse })._httpMessage?.headersSent) return { reason, response: undefined };
  const body = JSON.stringify({ error: { code, message: http.STATUS_CODES[status]!.toLowerCase() } }) + '\n';
  return {
    reason,
    response: `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
  };
}

/** Answers and closes; the refusal, or undefined when the client had already gone. */
export function answerParserRefusal(err: NodeJS.ErrnoException, socket: Duplex): ParserRefusal | undefined {
  const r = parserRefusalOf(err, socket);
  if (r?.response === undefined) {
    socket.destroy();
    return r?.reason;
  }
  lingerThenClose(socket, r.response);
  return r.reason;
}
