// The Expect request header (RFC 9110 §10.1.1) on hedge's HTTP listeners.
// Left to itself, Node answers "Expect: 100-continue" with "100 Continue" the
// moment it has parsed a request head, before any check of hedge's has run
// (framing, target, policy, destination, bearer token, route): a client is
// asked to send a body for a request hedge then refuses. Any other expectation
// gets Node's bare 417, with no hedge code, and the connection kept.
//
// Here "100 Continue" goes out when, and only when, the request's handler
// starts reading the body: every check that refuses a request before reading
// it has run by then (the proxy reads it when the request is being written to
// the origin). A request refused before that gets its final answer and no 100
// (RFC 9110 §10.1.1 allows it), and Node then closes the connection (it keeps
// no connection alive after an answer to an expect-continue request that sent
// no 100), so a body its client sends anyway is never parsed as a next
// request. Another expectation is refused by the listener: 417, a hedge code,
// the connection closed, counted.
import type http from 'node:http';
import { sendError } from './http.js';
import { ErrorCodes } from './errors.js';

/** The reason a listener counts a refused expectation under. */
export type ExpectationRefusal = 'expectation';

/** Node's own test for a 100-continue expectation (lib/_http_server.js: continueExpression). */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * Takes over the Expect header on `server`: a request expecting 100-continue
 * goes to the server's 'request' listeners as any other, and is sent "100
 * Continue" when its body is first read; a request with any other expectation
 * goes to `refuse`, which answers it (`refuseExpectation` for a JSON answer,
 * or the listener's own).
 */
export function handleExpect(server: http.Server, refuse: (req: http.IncomingMessage, res: http.ServerResponse) => void): void {
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    continueOnFirstRead(req, res);
    server.emit('request', req, res);
  });
  server.on('checkExpectation', refuse);
}

/**
 * Sends "100 Continue" the first time the body of `req` is read: by its
 * handler, a pipe, or the proxy's upstream writing it to the origin. Reading
 * while the body is still to come calls the stream's _read; attaching a
 * 'data' listener or resuming emits 'resume', also when the whole body has
 * already arrived (a client that did not wait: the 100 then keeps the
 * connection, which Node would otherwise close). Not once an answer has
 * started: a refusal that drains the body invites nothing, and Node closes the
 * connection after it.
 */
export function continueOnFirstRead(req: http.IncomingMessage, res: http.ServerResponse): void {
  const read = req._read;
  const invite = () => {
    req._read = read;
    req.off('resume', invite);
    if (!res.headersSent && !res.writableEnded && !res.destroyed) res.writeContinue();
  };
  req._read = function (this: http.IncomingMessage, size: number) {
    invite();
    read.call(this, size);
  };
  req.on('resume', invite);
}

/** True when an HTTP/1.1 request expects something other than 100-continue (Node ignores Expect in HTTP/1.0). */
export function unsupportedExpectation(req: http.IncomingMessage): boolean {
  const expect = req.headers.expect;
  if (expect === undefined || req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return false;
  return !CONTINUE.test(expect);
}

/** The message every listener gives with its 417. */
export const EXPECTATION_MESSAGE = 'the only expectation understood here is "Expect: 100-continue"';

/**
 * 417 HEDGE_ERR_EXPECTATION_FAILED as JSON, the connection closed after it: a
 * body may follow the head, and it is never read, so never parsed as a next
 * request.
 */
export function refuseExpectation(res: http.ServerResponse): void {
  res.shouldKeepAlive = false;
  sendError(res, 417, ErrorCodes.EXPECTATION_FAILED, EXPECTATION_MESSAGE, { connection: 'close' });
}
