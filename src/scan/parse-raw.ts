// Raw HTTP/1.x request dumps (nc/socat captures, `curl --trace-ascii`-free
// dumps, tcpflow output, proxy logs of whole requests): one or more requests
// back to back, CRLF or LF line ends. Bodies are skipped by Content-Length or
// chunked framing; responses in the same file are skipped the same way.
import { REQUEST_LINE, HEADER_LINE, absoluteUrl, type ParseResult } from './capture.js';

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? \d{3}(?: .*)?$/;

export function parseRaw(buf: Buffer, file: string): ParseResult {
  const text = buf.toString('latin1'); // one char per byte: body lengths count right
  const out: ParseResult = { requests: [], problems: [] };
  let pos = 0;
  let line = 1;
  const readLine = (): string | undefined => {
    if (pos >= text.length) return undefined;
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const l = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    line++;
    return l;
  };
  const skip = (n: number) => {
    const chunk = text.slice(pos, pos + n);
    line += chunk.split('\n').length - 1;
    pos += n;
  };
  while (pos < text.length) {
    const startLine = line;
    const first = readLine();
    if (first === undefined) break;
    if (first === '') continue;
    const req = REQUEST_LINE.exec(first);
    const isResponse = STATUS_LINE.test(first);
    if (!req && !isResponse) {
      out.problems.push({ where: `${file}:${startLine}`, message: 'expected a request line ("GET /path HTTP/1.1"); line skipped' });
      continue;
    }
    const headers: [string, string][] = [];
    for (;;) {
      const l = readLine();
      if (l === undefined || l === '') break;
      if (/^[ \t]/.test(l) && headers.length > 0) {
        headers[headers.length - 1]![1] += ' ' + l.trim(); // obsolete line folding
        continue;
      }
      const h = HEADER_LINE.exec(l);
      if (h) headers.push([h[1]!, latin1ToUtf8(h[2]!)]);
      else out.problems.push({ where: `${file}:${line - 1}`, message: 'not a header line; skipped' });
    }
    const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
    if (get('transfer-encoding')?.toLowerCase().includes('chunked')) {
      for (;;) {
        const size = readLine();
        if (size === undefined) break;
        const n = parseInt(size, 16);
        if (!Number.isFinite(n)) break;
        if (n === 0) {
          while ((readLine() ?? '') !== '');
          break;
        }
        skip(n);
        readLine();
      }
    } else {
      const len = Number(get('content-length') ?? 0);
      if (Number.isInteger(len) && len > 0) skip(len);
    }
    if (req) out.requests.push({ source: `${file}:${startLine}`, method: req[1]!, url: absoluteUrl(req[2]!, headers), headers });
  }
  return out;
}

function latin1ToUtf8(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  const u = Buffer.from(s, 'latin1').toString('utf8');
  return u.includes('\uFFFD') ? s : u;
}
