// Finds identity and tracking leaks in captured requests: every header and
// the URL, by name (catalogue, device list), by value (identifier-like), and,
// given a subscriber, any of that subscriber's identifiers in any encoding.
import { inspectHeader, inspectUrl, type Confidence, type Finding, type InspectOptions } from '../leaks/inspect.js';
import { maskValue } from '../checker/report.js';
import type { CapturedRequest } from './capture.js';

export interface ScanFinding {
  request: { source: string; method: string; url: string };
  where: Finding['where'];
  name: string;
  kind: Finding['kind'];
  what: Finding['what'];
  confidence: Confidence;
  encoding?: string;
  /** The value with the identifying part masked. */
  value: string;
  reason: string;
}

const CONFIDENCE_RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

export interface ScanOptions extends InspectOptions {
  /** Findings below this confidence are dropped (default medium). */
  minConfidence?: Confidence;
}

export function scanRequest(r: CapturedRequest, opts: ScanOptions = {}): ScanFinding[] {
  const min = CONFIDENCE_RANK[opts.minConfidence ?? 'medium'];
  const urlFindings = inspectUrl(r.url, opts);
  const request = { source: r.source, method: r.method, url: maskedUrl(r.url, urlFindings) };
  const out: ScanFinding[] = [];
  const push = (f: Finding, rawValue: string) => {
    if (CONFIDENCE_RANK[f.confidence] < min) return;
    out.push({
      request,
      where: f.where,
      name: f.name,
      kind: f.kind,
      what: f.what,
      confidence: f.confidence,
      encoding: f.encoding,
      value: f.kind === 'device' && f.what !== 'ip' ? rawValue : maskValue(rawValue, [f]),
      reason: f.reason,
    });
  };
  for (const [name, value] of r.headers) for (const f of inspectHeader(name, value, opts)) push(f, value);
  for (const f of urlFindings) push(f, f.match);
  return out;
}

export function scanRequests(rs: readonly CapturedRequest[], opts: ScanOptions = {}): ScanFinding[] {
  return rs.flatMap((r) => scanRequest(r, opts));
}

/** The URL to show in a report: query values and a leaking path never appear in clear. */
export function maskedUrl(url: string, findings: readonly Finding[]): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.split('?')[0] ?? url;
  }
  const keys = [...new Set([...u.searchParams.keys()])];
  const path = findings.some((f) => f.name === 'path') ? '/…' : u.pathname;
  return `${u.protocol}//${u.host}${path}${keys.length ? '?' + keys.map((k) => `${k}=…`).join('&') : ''}`;
}
