// Reads HTTP/1.1 responses off a client socket for the load generators
// (open-loop.mjs, fixed-rate.mjs): each response framed by its Content-Length
// (what hedge, nginx and the bench origins send; no chunked bodies), handed to
// `onResponse(status, head)` in order; `head` is the status line and headers
// as latin1 text. Returns nothing; the socket's 'data' events drive it.
export function readResponses(socket, onResponse) {
  let buf = Buffer.alloc(0);
  socket.on('data', (c) => {
    buf = buf.length ? Buffer.concat([buf, c]) : c;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      buf = buf.subarray(end + 4 + len);
      if (onResponse(Number(head.slice(9, 12)), head) === false) return;
    }
  });
}

/** Whether the response asks for the connection to be closed. */
export const closesConnection = (head) => /\r\nconnection:\s*close/i.test(head);
