// tshark text output, in the two forms people paste:
//  - the packet details tree (`tshark -r cap.pcap -Y http.request -V` or
//    `-O http`): each "Hypertext Transfer Protocol" section holds the request
//    line and header lines ending in a literal "\r\n", and "[Full request URI: …]";
//  - field output (`-T fields -e http.request.method -e http.request.full_uri
//    -e http.request.line`): one request per line, tab-separated, header lines
//    joined by ",", each ending in a literal "\r\n".
import { REQUEST_LINE, HEADER_LINE, absoluteUrl, type CapturedRequest, type ParseResult } from './capture.js';

const CRLF = '\\r\\n';

export function parseTshark(text: string, file: string): ParseResult {
  return text.includes('Hypertext Transfer Protocol') ? parseTree(text, file) : parseFields(text, file);
}

function parseTree(text: string, file: string): ParseResult {
  const out: ParseResult = { requests: [], problems: [] };
  const lines = text.split(/\r?\n/);
  let cur: (CapturedRequest & { full?: string }) | undefined;
  let inHttp = false;
  const flush = () => {
    if (cur) out.requests.push({ source: cur.source, method: cur.method, url: cur.full ?? absoluteUrl(cur.url, cur.headers), headers: cur.headers });
    cur = undefined;
  };
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (/^Frame \d+:/.test(raw)) {
      flush();
      inHttp = false;
      return;
    }
    if (/^Hypertext Transfer Protocol/.test(raw)) {
      flush();
      inHttp = true;
      return;
    }
    if (inHttp && /^\S/.test(raw)) {
      inHttp = false; // the next protocol layer starts at column 0
      return;
    }
    if (!inHttp) return;
    const full = /^\[Full request URI: (.+)\]$/.exec(l);
    if (full && cur) {
      cur.full = full[1]!;
      return;
    }
    if (!l.endsWith(CRLF) || l.startsWith('[')) return; // tshark's own annotations
    const body = l.slice(0, -CRLF.length);
    if (body === '') return;
    const req = REQUEST_LINE.exec(body);
    if (req) {
      flush();
      cur = { source: `${file}:${i + 1}`, method: req[1]!, url: req[2]!, headers: [] };
      return;
    }
    const h = HEADER_LINE.exec(body);
    if (h && cur) cur.headers.push([h[1]!, h[2]!]);
    else if (cur) out.problems.push({ where: `${file}:${i + 1}`, message: 'not a header line; skipped' });
  });
  flush();
  return out;
}

function parseFields(text: string, file: string): ParseResult {
  const out: ParseResult = { requests: [], problems: [] };
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() === '') return;
    const where = `${file}:${i + 1}`;
    const fields = l.split('\t');
    let method = '';
    let url = '';
    const headers: [string, string][] = [];
    for (const f of fields) {
      if (f.includes(CRLF)) {
        for (const part of f.split(CRLF)) {
          const p = part.replace(/^,/, '');
          if (p === '') continue;
          const req = REQUEST_LINE.exec(p);
          if (req) {
            method ||= req[1]!;
            url ||= req[2]!;
            continue;
          }
          const h = HEADER_LINE.exec(p);
          if (h) headers.push([h[1]!, h[2]!]);
          else out.problems.push({ where, message: 'not a header line; skipped' });
        }
      } else if (/^[A-Z][A-Z-]{1,19}$/.test(f)) method ||= f;
      else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(f) || f.startsWith('/')) url = f;
    }
    if (headers.length === 0 && !url) {
      out.problems.push({ where, message: 'no request line, URL or header lines found; skipped' });
      return;
    }
    out.requests.push({ source: where, method: method || 'GET', url: absoluteUrl(url, headers), headers });
  });
  return out;
}
