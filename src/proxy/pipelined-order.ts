// Pipelined requests on one client connection. Node's HTTP server already
// sends responses in request order; two cases are the gateway's to get right
// (issue 10, finding 8):
//  - the parser refuses bytes that follow a valid request still in flight: the
//    400 is written on the raw socket, so it must wait until every earlier
//    answer has left, or the client loses an answer to a request the origin
//    executed (and may retry it);
//  - after a refusal that closes the connection, requests already parsed from
//    the same bytes must not be executed: their answers would never be sent.
// State exists only while a connection has a response under way or is
// closing: an idle keep-alive connection holds nothing here (holding its last
// response would keep the request and response objects, ~2 KB, alive for as
// long as the connection stays open).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

interface Connection {
  /** The response to the newest request on the connection. */
  newest?: ServerResponse;
  /** A refusal that closes the connection was given: execute nothing more. */
  closing: boolean;
}

export class PipelinedOrder {
  private readonly conns = new WeakMap<Duplex, Connection>();

  private conn(socket: Duplex): Connection {
    let c = this.conns.get(socket);
    if (!c) {
      c = { closing: false };
      this.conns.set(socket, c);
    }
    return c;
  }

  /** Every request passes here first; false: the connection is closing, do not execute it. Call `left` when its response closes. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const c = this.conn(req.socket);
    if (c.closing) return false;
    c.newest = res;
    return true;
  }

  /**
   * The response has closed (sent, or its connection gone): when it was the
   * newest, the connection has nothing under way and is forgotten (a finished
   * newest response and no newest response are answered alike).
   */
  left(socket: Duplex, res: ServerResponse): void {
    const c = this.conns.get(socket);
    if (c?.newest !== res) return;
    if (c.closing) c.newest = undefined;
    else this.conns.delete(socket);
  }

  /** A refusal that closes the connection was given on it: what else was parsed from it is not executed. */
  isClosing(socket: Duplex): boolean {
    return this.conns.get(socket)?.closing === true;
  }

  /** A request on the connection is still being answered (its response has not finished). */
  underWay(socket: Duplex): boolean {
    const newest = this.conns.get(socket)?.newest;
    return newest !== undefined && !newest.writableFinished;
  }

  /** A refusal that closes the connection was answered on one of its responses (no socket: the connection is gone already). */
  closing(socket: Duplex | null | undefined): void {
    if (socket) this.conn(socket).closing = true;
  }

  /**
   * The parser refused input on this connection. Returns false when the
   * connection is already closing after a refusal (the parser also reports
   * every later chunk again): nothing more is answered. Otherwise
   * arranges the answer: `inBody(res)` when the error lies in the body of the
   * newest request (its own response carries the 400), else `raw()` once every
   * earlier response has left; a response already under way when its own body
   * breaks can only be cut.
   */
  parserRefused(socket: Duplex, raw: () => void, inBody: (res: ServerResponse) => void): boolean {
    const c = this.conn(socket);
    if (c.closing) return false;
    const newest = c.newest;
    c.closing = true;
    c.newest = undefined;
    if (!newest || newest.writableFinished) {
      raw();
      return true;
    }
    if (!newest.req.complete) {
      if (newest.headersSent) socket.destroy();
      else inBody(newest);
      return true;
    }
    // 'finish' of the newest response implies every earlier one left (they are written in order).
    const onFinish = () => {
      newest.off('close', onClose);
      raw();
    };
    const onClose = () => {
      newest.off('finish', onFinish);
      if (!newest.writableFinished) socket.destroy();
    };
    newest.once('finish', onFinish);
    newest.once('close', onClose);
    return true;
  }
}
