// One request found in captured traffic, whatever the capture format, and
// the problems met while reading it (reported, never silently dropped).
export interface CapturedRequest {
  /** Where it came from: "file.har entry 3", "dump.txt line 12". */
  source: string;
  method: string;
  /** Absolute URL when the capture knows the host, else the request target as sent. */
  url: string;
  /** Header fields in order, duplicates kept. */
  headers: [string, string][];
}

export interface ParseProblem {
  /** "file:line" or "file entry N". */
  where: string;
  message: string;
}

export interface ParseResult {
  requests: CapturedRequest[];
  problems: ParseProblem[];
}

export const REQUEST_LINE = /^([A-Z][A-Z-]{1,19}) (\S+) HTTP\/\d(?:\.\d)?$/;
export const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** Absolute URL from a request target and a Host header, when the target is origin-form. */
export function absoluteUrl(target: string, headers: readonly [string, string][], scheme = 'http'): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  const host = headers.find(([n]) => n.toLowerCase() === 'host' || n === ':authority')?.[1];
  if (!host || !target.startsWith('/')) return target;
  return `${scheme}://${host}${target}`;
}
