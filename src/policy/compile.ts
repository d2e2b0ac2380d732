// Compiling a validated config into the structures the hot path uses: a host
// index to partners, precomputed grant value functions, the set of header
// names to strip. Done once per load; requests only do map lookups.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { KeyPath } from '../config/load.js';
import { HEADER_CATALOGUE, canonicalHeaderName } from '../detect/header-catalogue.js';
import { HostIndex } from './host-index.js';
import { parseHostPattern, type HostPattern } from './host-pattern.js';
import { valueFunction, type Attribute, type Form, type MsisdnFormat, type ValueFn } from './forms.js';

export interface CompiledGrant {
  attribute: Attribute;
  form: Form;
  format: MsisdnFormat | undefined;
  /** Header name as the operator wrote it (partners may be case-sensitive). */
  header: string;
  value: ValueFn;
  line: number;
}

export interface CompiledPartner {
  id: string;
  name: string;
  purpose: string;
  hosts: HostPattern[];
  grants: CompiledGrant[];
  line: number;
}

export interface CompiledPolicy {
  /** sha256 over the canonical JSON of the partners and strip list, first 16 hex chars. */
  version: string;
  file: string;
  partners: CompiledPartner[];
  hosts: HostIndex<CompiledPartner>;
  /** Canonical names (lower case, "_" as "-") removed from every client request. */
  stripNames: ReadonlySet<string>;
}

export function compilePolicy(config: Config, file = '<inline>', lineOf: (p: KeyPath) => number = () => 0): CompiledPolicy {
  const hosts = new HostIndex<CompiledPartner>();
  const partners: CompiledPartner[] = [];
  const strip = new Set<string>(HEADER_CATALOGUE.map((e) => e.name));
  for (const h of config.proxy.stripHeaders) strip.add(canonicalHeaderName(h));

  config.partners.forEach((p, pi) => {
    const secret = p.secret !== undefined ? Buffer.from(p.secret, 'utf8') : undefined;
    const grants: CompiledGrant[] = p.send.map((g, gi) => {
      const form: Form = g.form ?? 'claim';
      strip.add(canonicalHeaderName(g.header));
      return {
        attribute: g.attribute,
        form,
        format: g.format,
        header: g.header,
        value: valueFunction(g.attribute, form, g.format, secret),
        line: lineOf(['partners', pi, 'send', gi]),
      };
    });
    const patterns = p.hosts.map((h) => {
      const hp = parseHostPattern(h);
      if (typeof hp === 'string') throw new Error(hp); // schema already refused these
      return hp;
    });
    const cp: CompiledPartner = { id: p.id, name: p.name, purpose: p.purpose, hosts: patterns, grants, line: lineOf(['partners', pi]) };
    partners.push(cp);
    for (const hp of patterns) hosts.add(hp, cp);
  });

  const version = createHash('sha256')
    .update(JSON.stringify({ partners: config.partners, strip: [...strip].sort() }))
    .digest('hex')
    .slice(0, 16);
  return { version, file, partners, hosts, stripNames: strip };
}
