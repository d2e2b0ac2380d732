// The "net" parts of bench/tools/bare-proxy.mjs: HTTP/1.1 over raw net
// sockets with the least work a forwarder can do — find the end of a head,
// split its lines, write the next one — to measure what Node's http server and
// undici cost above the runtime itself. They read only what the floor row
// sends (GET without a body) and what its origin answers (a Content-Length
// body), refuse anything else, and validate nothing else — no timeouts, no
// backpressure toward the origin (the bench's answers are 1 KiB): a measuring
// instrument, not a parser to put in front of a network (src/proxy is that).
import net from 'node:net';

export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const END_OF_HEAD = Buffer.from('\r\n\r\n');
const MAX_HEAD = 16 * 1024;

/** Appends chunk to the bytes still unread (most of the time there are none). */
const append = (pending, chunk) => (pending === undefined ? chunk : Buffer.concat([pending, chunk]));

/** Splits a head into its first line and [name, value, …] (values trimmed), or undefined when a line has no colon. */
function splitHead(head) {
  const lines = head.split('\r\n');
  const headers = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    headers.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return { first: lines[0], headers };
}

/**
 * A net.Server that reads one request at a time from each connection and
 * hands it to forward(method, path, headers, sink); the answer is written
 * straight to the socket, its head and first bytes in one write.
 */
export function netServer(forward) {
  return net.createServer({ noDelay: true }, (socket) => {
    let pending;
    let busy = false;
    let closeAfter = false;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      pending = append(pending, chunk);
      if (!busy) next();
    });
    const refuse = (status) => {
      socket.end(`HTTP/1.1 ${status} ${http1Reason(status)}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      pending = undefined;
      busy = true; // nothing read after a refusal is served
    };
    function next() {
      if (pending === undefined) return;
      const end = pending.indexOf(END_OF_HEAD);
      if (end < 0) {
        if (pending.length > MAX_HEAD) refuse(431);
        return;
      }
      const head = splitHead(pending.latin1Slice(0, end));
      pending = pending.length > end + 4 ? pending.subarray(end + 4) : undefined;
      const parts = head?.first.split(' ');
      if (!head || parts.length !== 3 || !parts[2].startsWith('HTTP/1.')) return refuse(400);
      const [method, target, version] = parts;
      const headers = [];
      let hostHeader;
      closeAfter = version === 'HTTP/1.0';
      for (let i = 0; i < head.headers.length; i += 2) {
        const name = head.headers[i];
        const lower = name.toLowerCase();
        if (lower === 'content-length' || lower === 'transfer-encoding') return refuse(501);
        if (lower === 'connection' && head.headers[i + 1].toLowerCase() === 'close') closeAfter = true;
        if (HOP_BY_HOP.has(lower)) continue;
        if (lower === 'host') hostHeader = i;
        headers.push(name, head.headers[i + 1]);
      }
      let path = target;
      if (target.charCodeAt(0) !== 47) {
        const url = URL.canParse(target) ? new URL(target) : undefined;
        if (!url) return refuse(400);
        path = url.pathname + url.search;
        if (hostHeader === undefined) headers.push('host', url.host);
      }
      busy = true;
      forward(method, path, headers, socketSink(socket, done));
    }
    function done() {
      busy = false;
      if (closeAfter) socket.end();
      else next();
    }
  });
}

/** A sink writing an answer to a client socket; `finished` is called once the last byte is queued. */
function socketSink(socket, finished) {
  let head;
  let framed = true;
  let resume;
  return {
    head(status, text, headers, resumeFn) {
      resume = resumeFn;
      let s = `HTTP/1.1 ${status} ${text || http1Reason(status)}\r\n`;
      framed = false;
      for (let i = 0; i < headers.length; i += 2) {
        if (headers[i].toLowerCase() === 'content-length') framed = true;
        s += `${headers[i]}: ${headers[i + 1]}\r\n`;
      }
      // Without a length the end of the body is the end of the connection.
      head = s + (framed ? '\r\n' : 'connection: close\r\n\r\n');
    },
    data(chunk) {
      if (head !== undefined) {
        chunk = Buffer.concat([Buffer.from(head, 'latin1'), chunk]);
        head = undefined;
      }
      const ok = socket.write(chunk);
      // Backpressure as hedge's relay: a client that reads slowly pauses the origin (undici resumes on resume()).
      if (!ok && resume) socket.once('drain', resume);
      return ok;
    },
    end() {
      if (head !== undefined) socket.write(head, 'latin1');
      head = undefined;
      if (framed) finished();
      else socket.end();
    },
    fail() {
      socket.destroy();
    },
  };
}

/**
 * forward(method, path, headers, sink) over a pool of keep-alive net sockets
 * to 127.0.0.1:port, one request at a time on each.
 */
export function netClient(port) {
  const idle = [];
  const connect = (use, sink) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const unreachable = () => sink.fail();
    s.on('error', () => s.destroy());
    s.on('close', () => {
      const at = idle.indexOf(s);
      if (at >= 0) idle.splice(at, 1);
    });
    s.once('close', unreachable);
    s.once('connect', () => {
      s.removeListener('close', unreachable);
      use(s);
    });
  };
  return (method, path, headers, sink) => {
    let req = `${method} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) req += `${headers[i]}: ${headers[i + 1]}\r\n`;
    req += '\r\n';
    const use = (s) => {
      let pending;
      let remaining = -1;
      let reuse = true;
      const fail = () => {
        cleanup();
        sink.fail();
      };
      const cleanup = () => {
        s.removeListener('data', onData);
        s.removeListener('close', fail);
      };
      const onData = (chunk) => {
        if (remaining < 0) {
          pending = append(pending, chunk);
          const end = pending.indexOf(END_OF_HEAD);
          if (end < 0) return pending.length > MAX_HEAD ? (s.destroy(), fail()) : undefined;
          const head = splitHead(pending.latin1Slice(0, end));
          const status = head ? Number(head.first.slice(9, 12)) : NaN;
          if (!head || !head.first.startsWith('HTTP/1.1 ') || !(status >= 200)) return (s.destroy(), fail());
          const out = [];
          for (let i = 0; i < head.headers.length; i += 2) {
            const lower = head.headers[i].toLowerCase();
            if (lower === 'content-length') remaining = Number(head.headers[i + 1]);
            if (lower === 'connection' && head.headers[i + 1].toLowerCase() === 'close') reuse = false;
            if (!HOP_BY_HOP.has(lower)) out.push(head.headers[i], head.headers[i + 1]);
          }
          const noBody = method === 'HEAD' || status === 204 || status === 304;
          if (noBody) remaining = 0;
          if (!(remaining >= 0)) return (s.destroy(), fail()); // no Content-Length: not what this floor reads
          sink.head(status, head.first.slice(13), out);
          chunk = pending.subarray(end + 4);
          pending = undefined;
          if (noBody && chunk.length) return (s.destroy(), fail());
        }
        if (chunk.length > remaining) return (s.destroy(), fail());
        remaining -= chunk.length;
        if (chunk.length) sink.data(chunk);
        if (remaining === 0) {
          cleanup();
          if (reuse) idle.push(s);
          else s.destroy();
          sink.end();
        }
      };
      s.on('data', onData);
      s.once('close', fail);
      s.write(req, 'latin1');
    };
    const s = idle.pop();
    if (s) use(s);
    else connect(use, sink);
  };
}

const REASONS = { 200: 'OK', 400: 'Bad Request', 431: 'Request Header Fields Too Large', 501: 'Not Implemented', 502: 'Bad Gateway' };
function http1Reason(status) {
  return REASONS[status] ?? 'Unknown';
}
