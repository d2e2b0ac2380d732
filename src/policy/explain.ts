// What the policy does with one request: which partner matches (and by which
// pattern, file and line), which headers would be added in which forms
// (values masked), over which transport, with which signature, and what is
// stripped from the client's request. Read-only: used by
// `hedge policy explain` and safe to serve.
import type { CompiledPolicy, CompiledPartner } from './compile.js';
import { partnerActive } from './compile.js';
import { hostPatternMatches, type HostPattern } from '../shared/host-pattern.js';
import type { Subscriber } from '../subscriber/subscriber.js';
import { maskIdentifier } from '../shared/mask.js';
import { parseAbsoluteForm } from '../shared/request-target.js';
import { HeaderSpellings } from '../detect/header-spellings.js';
import { TLS_SENSITIVE_ATTRIBUTES } from '../config/lint.js';

export interface ExplainedHeader {
  header: string;
  attribute: string;
  form: string;
  /** Masked value (with a subscriber), or a description of it. */
  value: string;
  rule: string;
  cleartextAllowed: boolean;
}

export interface Explanation {
  url: string;
  target: { scheme: string; host: string; port: number; path: string };
  partner?: { id: string; name: string; purpose: string; pattern: string; rule: string; active: boolean; until?: string };
  transport: string;
  headers: ExplainedHeader[];
  signature?: string;
  stripped: string[];
  notes: string[];
}

export function explainRequest(policy: CompiledPolicy, url: string, opts: { subscriber?: Subscriber; clientHeaders?: string[]; now?: number } = {}): Explanation {
  const t = parseAbsoluteForm(url);
  if ('error' in t) throw new Error(`${url}: ${t.error}`);
  const now = opts.now ?? Date.now();
  const notes: string[] = [];
  const stripNames = [...policy.stripNames].sort();
  const spellings = new HeaderSpellings(policy.stripNames);
  const stripped = opts.clientHeaders ? opts.clientHeaders.filter((h) => spellings.match(h) !== undefined) : stripNames;
  const base = { url, target: { scheme: t.scheme, host: t.host, port: t.port, path: t.path }, stripped };
  const partner = policy.hosts.lookup(t.host, t.port);
  if (!partner) {
    notes.push('no partner claims this host: nothing about the subscriber is added');
    return { ...base, transport: t.scheme === 'https' ? 'https: a CONNECT tunnel the proxy only relays — never enriched' : 'http (cleartext)', headers: [], notes };
  }
  const pattern = matchingPattern(partner, t.host, t.port);
  const rule = (line: number) => `${policy.file}:${line}`;
  const active = partnerActive(partner, now);
  const summary = {
    id: partner.id,
    name: partner.name,
    purpose: partner.purpose,
    pattern: pattern?.text ?? '?',
    rule: rule(partner.line),
    active,
    ...(partner.until !== undefined ? { until: new Date(partner.until).toISOString() } : {}),
  };
  if (t.scheme === 'https') {
    // A phone reaches an https:// site through a CONNECT tunnel: the proxy relays
    // encrypted bytes and sees only host and port. No grant can be honoured there.
    notes.push(
      `the partner's grants (${partner.grants.map((g) => `${g.header}: ${g.attribute} ${g.form}`).join('; ')}) apply to http:// requests only: over https:// the proxy cannot add a header, so nothing is added`,
    );
    notes.push(
      'what works for https:// sites: network-based authentication at the operator front door (OIDC, CAMARA Number Verification): the partner asks the operator about the subscriber on the data connection instead of reading a header',
    );
    return {
      ...base,
      partner: summary,
      transport: 'https: a CONNECT tunnel the proxy only relays — never enriched',
      headers: [],
      notes,
    };
  }
  const upgraded = partner.tls === 'required' && t.scheme === 'http';
  const transport = upgraded ? `https to the partner (tls: required; the phone side stays http)` : 'http (cleartext)';
  const headers: ExplainedHeader[] = [];
  if (!active) notes.push(`the partner's grants ended on ${new Date(partner.until!).toISOString()}: nothing is added`);
  else {
    const iat = Math.floor(now / 1000);
    for (const g of partner.grants) {
      const cleartextRaw = g.form === 'raw' && TLS_SENSITIVE_ATTRIBUTES.has(g.attribute) && partner.tls !== 'required';
      let value = `<${g.attribute} ${g.form}>`;
      if (opts.subscriber) {
        try {
          const v = g.value({ subscriber: opts.subscriber, clientAddress: '10.0.0.1', host: t.host, iat });
          value = v === undefined ? '(none: the subscriber has no such attribute; header not added)' : mask(g.form, v);
        } catch {
          value = `<${g.attribute} ${g.form}: key material not loaded>`;
        }
      }
      headers.push({ header: g.header, attribute: g.attribute, form: g.form, value, rule: rule(g.line), cleartextAllowed: g.cleartextAllowed });
      if (cleartextRaw)
        notes.push(`${g.header}: raw ${g.attribute} over cleartext HTTP — allowed by "cleartext: allowed" (${rule(g.line)}), counted in hedge_cleartext_disclosures_total`);
    }
    if (opts.subscriber?.optOut?.includes(partner.id)) notes.push('this subscriber opted out of this partner: nothing is added');
  }
  return {
    ...base,
    partner: summary,
    transport,
    headers,
    ...(headers.length > 0
      ? {
          signature:
            partner.signature === 'off'
              ? 'none (signature: off — the partner cannot prove these headers came from the gateway)'
              : partner.signature === 'hedge-v1'
                ? `${policy.signatureHeader} (signature: hedge-v1, the earlier format: Ed25519 over method, host, path, time, nonce, partner and the headers above; only the hedge kit verifies it)`
                : `Signature-Input, Signature, Hedge-Partner (RFC 9421, ${partner.signature === 'hmac-sha256' ? "hmac-sha256 under the partner's signatureSecret" : 'ed25519 under the operator key in the JWKS'}, over @method, @authority, @path, @query, hedge-partner and the headers above; created, expires, nonce, keyid, alg, tag="hedge")`,
        }
      : {}),
    notes,
  };
}

function mask(form: string, v: string): string {
  if (form === 'raw') return maskIdentifier(v);
  if (form === 'claim') return v;
  return `${v.slice(0, 6)}…(${v.length} chars)`;
}

function matchingPattern(p: CompiledPartner, host: string, port: number): HostPattern | undefined {
  const score = (h: HostPattern) => (h.kind === 'exact' ? 3000 : h.kind === 'wildcard' ? 1000 + h.host.length : 0) + (h.port !== undefined ? 1 : 0);
  return p.hosts.filter((h) => hostPatternMatches(h, host, port)).sort((a, b) => score(b) - score(a))[0];
}

export function formatExplanation(e: Explanation): string[] {
  const out = [`${e.url}`, `  target     ${e.target.scheme}://${e.target.host}:${e.target.port}${e.target.path}`];
  if (e.partner) {
    out.push(
      `  partner    ${e.partner.id} (${e.partner.name}; purpose ${e.partner.purpose}) — matched "${e.partner.pattern}" at ${e.partner.rule}${e.partner.active ? '' : ' — INACTIVE'}`,
    );
  } else out.push('  partner    none');
  out.push(`  transport  ${e.transport}`);
  for (const h of e.headers) out.push(`  + ${h.header}: ${h.value}    [${h.attribute}, ${h.form}${h.cleartextAllowed ? ', cleartext: allowed' : ''}] ${h.rule}`);
  if (e.signature) out.push(`  + ${e.signature}`);
  out.push(`  stripped   ${e.stripped.length} header name(s) from the client request: ${e.stripped.join(', ')}`);
  for (const n of e.notes) out.push(`  note       ${n}`);
  return out;
}
