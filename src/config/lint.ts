// Policy lints: mistakes that validate as YAML but would disclose identity
// more widely than anyone meant (the 2012 incident was one such change).
// Errors stop a load; warnings are shown by `policy validate` and logged at
// start. Every message names the partner and the fix; the loader adds file
// and line.
import { isIP } from 'node:net';
import { parse as parseDomain } from 'tldts';
import { IDENTITY_ATTRIBUTES, type Config } from '../config/schema.js';
import { parseHostPattern, type HostPattern } from '../shared/host-pattern.js';
import { SCOPE_DISCLOSURES } from './front-door-scopes.js';
import { dotted } from './key-path.js';
import type { ConfigIssue } from '../shared/errors.js';

/** Attributes that identify a subscriber, in any form but a claim. */
export const IDENTITY_GRANT_ATTRIBUTES = new Set<string>(['msisdn', 'imsi', 'imei', 'client-ip']);
/** Attributes whose raw form must travel over TLS unless the grant says `cleartext: allowed`. */
export const TLS_SENSITIVE_ATTRIBUTES = new Set<string>(['msisdn', 'imsi', 'imei']);

export type LintPath = readonly (string | number)[];

export interface Lint {
  path: LintPath;
  partner: string;
  message: string;
  fix: string;
  severity: 'error' | 'warning';
}

/** A lint as a config issue: where it is in the file, and the message with its fix. */
export function lintIssue(l: Lint, file: string, lineOf: (path: LintPath) => number): ConfigIssue {
  return { file, line: lineOf(l.path), column: 1, key: dotted(l.path), message: `partner "${l.partner}": ${l.message} — fix: ${l.fix}`, severity: l.severity, partner: l.partner };
}

export function lintPolicy(config: Config, now = Date.now()): Lint[] {
  const out: Lint[] = [];
  const add = (severity: Lint['severity'], path: LintPath, partner: string, message: string, fix: string) => out.push({ severity, path, partner, message, fix });
  const claimed = new Map<string, { partner: string; index: number }>();

  config.partners.forEach((p, pi) => {
    const at = (...rest: (string | number)[]) => ['partners', pi, ...rest];
    const identity = p.send.filter((g) => IDENTITY_GRANT_ATTRIBUTES.has(g.attribute) && g.form !== 'claim');
    const patterns = p.hosts.map((h) => parseHostPattern(h)).filter((h): h is HostPattern => typeof h !== 'string');

    // 1. identity to everyone: "*", a public suffix ("*.com", "co.uk", "*.github.io"), an IP literal.
    if (identity.length > 0) {
      const what = identity.map((g) => `${g.attribute} ${g.form}`).join(', ');
      patterns.forEach((hp, hi) => {
        const why = tooBroad(hp);
        if (why)
          add(
            'error',
            at('hosts', hi),
            p.id,
            `identity grant (${what}) to host pattern "${hp.text}", ${why}`,
            `list the partner's own host names (e.g. "pay.${p.id}.example"), or grant only claims to this pattern`,
          );
      });
    }

    // 2. two partners claiming the same host.
    patterns.forEach((hp, hi) => {
      const key = `${hp.kind}:${hp.host}:${hp.port ?? ''}`;
      const prev = claimed.get(key);
      if (prev && prev.partner !== p.id)
        add(
          'error',
          at('hosts', hi),
          p.id,
          `host "${hp.text}" is already claimed by partner "${prev.partner}" (partners[${prev.index}])`,
          'a host belongs to one partner: remove it from one of them, or merge the two partners',
        );
      else if (!prev) claimed.set(key, { partner: p.id, index: pi });
    });

    // 3. keys the forms need.
    //    Pseudonym keys are derived from the operator's key file (src/keys/pseudonym-key.ts; without one, from a
    //    per-run key, logged at start). Reuse as a key a partner holds: lint-keys.ts.
    p.send.forEach((g, gi) => {
      if (g.form === 'sealed' && p.key === undefined)
        add(
          'error',
          at('send', gi, 'form'),
          p.id,
          `the sealed grant of ${g.attribute} needs a partner "key" (AES-256)`,
          'add `key:` with the output of `hedge keys partner` and give the same key to the partner',
        );
      if (g.form === 'token' && config.keys === undefined)
        add(
          'error',
          at('send', gi, 'form'),
          p.id,
          `the token grant of ${g.attribute} needs the operator key file (keys.file) to issue and resolve tokens`,
          'run `hedge keys generate FILE` and set `keys: { file: FILE }`',
        );
    });

    // 5. raw identifiers travel over TLS unless the grant opts into cleartext (legacy partners).
    p.send.forEach((g, gi) => {
      if (g.form === 'raw' && TLS_SENSITIVE_ATTRIBUTES.has(g.attribute) && p.tls !== 'required' && g.cleartext !== 'allowed')
        add(
          'error',
          at('send', gi),
          p.id,
          `raw ${g.attribute} to a partner without "tls: required" would cross the network in cleartext`,
          'set `tls: required` on the partner (with `ca:` for a lab CA), or add `cleartext: allowed` to this grant for a legacy partner',
        );
      if (g.cleartext === 'allowed' && p.tls === 'required')
        add('warning', at('send', gi, 'cleartext'), p.id, '`cleartext: allowed` has no effect: the partner has `tls: required`', 'remove `cleartext: allowed`');
    });

    // 6. an unsigned partner cannot tell the gateway's identity headers from a client's; a hedge-v1 partner
    //    verifies only with the hedge kit.
    if (p.signature === 'hedge-v1' && p.send.length > 0)
      add(
        'warning',
        at('signature'),
        p.id,
        'signed with the earlier hedge-v1 format (X-Hedge-Signature), which only the hedge partner kit verifies',
        'move the partner to RFC 9421 (`signature: ed25519`, the default) once it verifies Signature-Input/Signature (docs/partners.md)',
      );
    if (p.signature === 'off' && p.send.some((g) => IDENTITY_ATTRIBUTES.has(g.attribute)))
      add(
        'warning',
        at('signature'),
        p.id,
        'identity is sent without a signature: the partner cannot prove the headers came from the gateway rather than a client',
        'remove `signature: off` once the partner verifies signatures (docs/partners.md)',
      );

    // 7. front-door clients: every flow gives the partner its pairwise `sub` (a pseudonym of the number),
    // and `device-phone-number:read` is the raw number — judged by the rules of those header grants.
    const fd = p.frontDoor;
    if (fd) {
      if (config.frontDoor === undefined)
        add(
          'warning',
          at('frontDoor'),
          p.id,
          'the partner is a front-door client but no `frontDoor:` listener is configured',
          "add a top-level `frontDoor:` section, or remove the partner's `frontDoor:`",
        );
      const raw = fd.scopes.filter((s) => SCOPE_DISCLOSURES[s].form === 'raw');
      fd.redirectUris.forEach((u, ui) => {
        if (!URL.canParse(u)) return;
        const host = new URL(u).hostname.replace(/^\[|\]$/g, '');
        const why = redirectHostProblem(host);
        if (why)
          add(
            raw.length > 0 ? 'error' : 'warning',
            at('frontDoor', 'redirectUris', ui),
            p.id,
            `redirect URI host "${host}" ${why}${raw.length > 0 ? ` — and the partner may read the raw number (${raw.join(', ')})` : ''}`,
            'register redirect URIs on host names the partner owns',
          );
      });
    }

    // 4. an expired partner is inactive: warned, not refused.
    if (p.until !== undefined && Date.parse(p.until) <= now && (p.send.length > 0 || p.frontDoor !== undefined))
      add('warning', at('until'), p.id, `the partner's grants ended on ${p.until}; it receives nothing`, 'renew the agreement and move `until:`, or remove the partner');
  });
  return out;
}

function tooBroad(hp: HostPattern): string | undefined {
  if (hp.kind === 'any') return 'which matches every host';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(hp.host)) return 'an IP literal (any site can be reached by address; grants go to names the partner owns)';
  if (isPublicSuffix(hp.host)) return hp.kind === 'wildcard' ? `which matches every site under the public suffix "${hp.host}"` : `which is a public suffix, not a partner's domain`;
  return undefined;
}

/**
 * Why a front-door redirect URI's host (the URL's hostname, IPv6 without
 * brackets) is not a name the partner owns, or undefined when it may be. Judged
 * before the host-pattern parser, which takes no IPv6: an IPv6 literal was
 * skipped there without a word. Names under `.localhost` are loopback (RFC 6761
 * §6.3; browsers resolve them so): on a phone, any app listening there gets the
 * redirect and its code.
 */
function redirectHostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return 'is an IP literal (whoever holds the address gets the code; register a name the partner owns)';
  const name = host.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return 'is a loopback name (on the phone, any app listening there gets the code)';
  const hp = parseHostPattern(host);
  return typeof hp === 'string' ? undefined : tooBroad(hp);
}

/** True for "com", "co.uk", "github.io", a single label: names under which unrelated parties register. */
export function isPublicSuffix(host: string): boolean {
  if (!host.includes('.')) return true;
  const r = parseDomain(host, { allowPrivateDomains: true, extractHostname: false });
  return r.domain === null;
}
