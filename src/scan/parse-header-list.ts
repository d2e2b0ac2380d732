// Plain header lists: "Name: value" lines, one request per block, blocks
// separated by blank lines (what people copy from devtools, a log or a page
// like the leak checker). A block may start with a request line or a URL;
// lines starting with "#" are comments.
import { REQUEST_LINE, HEADER_LINE, absoluteUrl, type CapturedRequest, type ParseResult } from './capture.js';

export function parseHeaderList(text: string, file: string): ParseResult {
  const out: ParseResult = { requests: [], problems: [] };
  let cur: CapturedRequest | undefined;
  const flush = () => {
    if (cur && (cur.headers.length > 0 || cur.url)) out.requests.push({ ...cur, url: absoluteUrl(cur.url, cur.headers) });
    cur = undefined;
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l === '') return flush();
    if (l.startsWith('#')) return;
    cur ??= { source: `${file}:${i + 1}`, method: 'GET', url: '', headers: [] };
    const req = REQUEST_LINE.exec(l) ?? /^([A-Z][A-Z-]{1,19}) (\S+)$/.exec(l);
    if (req && cur.headers.length === 0 && !cur.url) {
      cur.method = req[1]!;
      cur.url = req[2]!;
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(l) && cur.headers.length === 0 && !cur.url) {
      cur.url = l;
      return;
    }
    const h = HEADER_LINE.exec(l);
    if (h) cur.headers.push([h[1]!, h[2]!]);
    else out.problems.push({ where: `${file}:${i + 1}`, message: 'not a "Name: value" header line; skipped' });
  });
  flush();
  return out;
}
