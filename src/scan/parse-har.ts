// HAR 1.2 (browser devtools, mitmproxy, Charles, Fiddler exports): every
// log.entries[].request with its method, URL and header list. HTTP/2
// pseudo-headers (":authority") are not request headers and are skipped.
import type { CapturedRequest, ParseResult } from './capture.js';

export function parseHar(text: string, file: string): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { requests: [], problems: [{ where: file, message: `not valid JSON: ${(err as Error).message}` }] };
  }
  const entries = (doc as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) return { requests: [], problems: [{ where: file, message: 'not a HAR file: no log.entries array' }] };
  const out: ParseResult = { requests: [], problems: [] };
  entries.forEach((e: unknown, i: number) => {
    const where = `${file} entry ${i + 1}`;
    const req = (e as { request?: unknown } | null)?.request as { method?: unknown; url?: unknown; headers?: unknown } | undefined;
    if (!req || typeof req.url !== 'string') {
      out.problems.push({ where, message: 'entry has no request.url; skipped' });
      return;
    }
    const headers: [string, string][] = [];
    if (Array.isArray(req.headers)) {
      for (const h of req.headers as unknown[]) {
        const { name, value } = (h ?? {}) as { name?: unknown; value?: unknown };
        if (typeof name !== 'string' || typeof value !== 'string') {
          out.problems.push({ where, message: 'a header without a string name and value; skipped' });
          continue;
        }
        if (!name.startsWith(':')) headers.push([name, value]);
      }
    }
    const r: CapturedRequest = { source: where, method: typeof req.method === 'string' ? req.method : 'GET', url: req.url, headers };
    out.requests.push(r);
  });
  return out;
}
