// The checker's report on one request: every header it received, what each
// tells the site, and the verdict. Built per visit and thrown away with the
// response: nothing here is stored or logged.
import { canonicalHeaderName } from '../detect/header-catalogue.js';
import { maskIdentifier } from '../shared/mask.js';
import { inspectHeader, CARRIES_TEXT, type Finding, type InspectOptions } from '../leaks/inspect.js';
import { explainOrdinary } from '../leaks/ordinary-headers.js';
import { VERDICT_TEXT, worstVerdict, type LeakKind, type Verdict, type VerdictText } from '../leaks/verdict.js';

export interface HeaderReport {
  name: string;
  /** The value as received (the page reveals it only on request, in the browser). */
  value: string;
  /** The value with identifiers masked; equal to `value` when nothing is sensitive. */
  masked: string;
  sensitive: boolean;
  /** The worst finding's kind, or "ordinary" for a standard browser header, "unusual" for anything else. */
  kind: LeakKind | 'ordinary' | 'unusual';
  /** Plain words: what this header is. */
  explanation: string;
  /** For known identity/tracking headers: which operators are known to send it, and the source. */
  knownSenders?: string;
  source?: string;
  findings: Omit<Finding, 'catalogue' | 'match'>[];
}

export interface CheckReport extends VerdictText {
  verdict: Verdict;
  secure: boolean;
  headers: HeaderReport[];
}

/** Sensitive by nature even when nothing leaks: the visitor's own credentials for this site. */
const PRIVATE = new Set(['cookie', 'authorization', 'proxy-authorization']);

/** `raw`: [name, value, name, value, ...] as Node's rawHeaders, order and duplicates kept. */
export function buildReport(raw: readonly string[], secure: boolean, opts: InspectOptions = {}): CheckReport {
  const headers: HeaderReport[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push(reportHeader(raw[i]!, raw[i + 1]!, opts));
  const verdict = worstVerdict(headers.flatMap((h) => h.findings.map((f) => f.kind)));
  return { verdict, ...VERDICT_TEXT[verdict], secure, headers };
}

export function reportHeader(name: string, value: string, opts: InspectOptions = {}): HeaderReport {
  const canonical = canonicalHeaderName(name);
  const findings = inspectHeader(name, value, opts);
  const worst = worstVerdict(findings.map((f) => f.kind));
  const kind = worst !== 'clean' ? worst : explainOrdinary(canonical) !== undefined ? 'ordinary' : 'unusual';
  const identifying = findings.some((f) => f.kind !== 'device') || findings.some((f) => f.what === 'ip');
  const sensitive = identifying || PRIVATE.has(canonical);
  const masked = sensitive ? maskValue(value, findings) : value;
  const cat = findings.find((f) => f.catalogue)?.catalogue;
  const explanation = cat
    ? `This header carries ${CARRIES_TEXT[cat.carries]}. Your operator's network added it; your phone's browser does not send it.`
    : findings.length > 0
      ? capitalise(findings.map((f) => (f.what === 'ip' ? `it carries ${CARRIES_TEXT.ip}` : f.reason)).join('; ')) + '.'
      : capitalise(explainOrdinary(canonical) ?? 'not a standard browser header: something on the way (an app, an extension or the network) added it') + '.';
  return {
    name,
    value,
    masked,
    sensitive,
    kind,
    explanation,
    knownSenders: cat?.who,
    source: cat ? expandSources(cat.source) : undefined,
    findings: findings.map(({ catalogue: _c, match: _m, ...f }) => f),
  };
}

/** Masks each identifying part of a value; the whole value when the finding has no span. */
export function maskValue(value: string, findings: readonly Pick<Finding, 'match' | 'kind' | 'what'>[]): string {
  const spans = findings.filter((f) => f.kind !== 'device' || f.what === 'ip').map((f) => f.match);
  if (spans.length === 0 || spans.includes('')) return value === '' ? '' : mask(value);
  let out = value;
  for (const s of [...new Set(spans)].sort((a, b) => b.length - a.length)) out = out.split(s).join(mask(s));
  return out;
}

/** Phone-number-sized values as the admin API masks them; long tokens with a fixed run of dots, hiding their length too. */
function mask(s: string): string {
  return s.length <= 20 ? maskIdentifier(s) : s.slice(0, 3) + '•'.repeat(12) + s.slice(-2);
}

const SOURCES: Record<string, string> = {
  AN: 'Access Now, "The Rise of Mobile Tracking Headers" (2015)',
  NZ: 'Vallina-Rodriguez et al., HotMiddlebox 2015 (Netalyzr)',
  MU: 'Mulliner, "Privacy Leaks in Mobile Phone Internet Access" (2010)',
  UK: 'the UK operator incident of January 2012',
  FCC: 'FCC consent decree with Verizon Wireless (2016)',
  KN: 'Kannel WAP gateway documentation',
};

function expandSources(s: string): string {
  return s
    .split(/,\s*/)
    .map((k) => SOURCES[k] ?? k)
    .join('; ');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
