// Compiling a validated config into the structures the hot path uses: a host
// index to partners, precomputed grant value functions, the set of header
// names to strip. Done once per load; requests only do map lookups.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { dotted, type KeyPath } from '../config/key-path.js';
import { ConfigError } from '../shared/errors.js';
import { loadMaterial, materialFingerprint, MaterialError, type HmacSigningKey, type PolicyMaterial } from '../keys/material.js';
import { HEADER_CATALOGUE, canonicalHeaderName } from '../detect/header-catalogue.js';
import { HostIndex } from './host-index.js';
import { lintKeyReuse } from './lint-keys.js';
import { lintIssue } from '../config/lint.js';
import { parseHostPattern, type HostPattern } from '../shared/host-pattern.js';
import { compileFrontDoorClient, type CompiledFrontDoorClient } from './front-door-clients.js';
import { valueFunction, DEFAULT_SEALED_LIFETIME, DEFAULT_TOKEN_LIFETIME, type Attribute, type Form, type MsisdnFormat, type ValueFn } from './forms.js';

export interface CompiledGrant {
  attribute: Attribute;
  form: Form;
  format: MsisdnFormat | undefined;
  /** Header name as the operator wrote it (partners may be case-sensitive). */
  header: string;
  value: ValueFn;
  line: number;
  /** The grant says `cleartext: allowed` (a legacy partner may receive it over plain HTTP). */
  cleartextAllowed: boolean;
}

export interface CompiledPartner {
  id: string;
  name: string;
  purpose: string;
  /** Why the operator may disclose to it (GDPR Art. 6): consent can be withdrawn, the others objected to. */
  legalBasis: 'consent' | 'contract' | 'legitimate-interest' | 'legal-obligation';
  hosts: HostPattern[];
  grants: CompiledGrant[];
  line: number;
  /** 'required': the upstream speaks HTTPS to this partner whatever the phone asked for. */
  tls: 'required' | 'optional';
  /** End of the partner's grants (ms since the epoch); at and after it the partner receives nothing. */
  until: number | undefined;
  /** RFC 9421 (ed25519, hmac-sha256), the earlier hedge-v1, or off (legacy partners that do not verify). */
  signature: 'ed25519' | 'hmac-sha256' | 'hedge-v1' | 'off';
  /** hmac-sha256: the partner's signature secret. */
  hmac: HmacSigningKey | undefined;
  /** Extra CA certificates (PEM) trusted for this partner's HTTPS (`ca:`), labs. */
  ca: Buffer | undefined;
  /** The partner as a front-door API client (`frontDoor:`), if it is one. */
  frontDoor: CompiledFrontDoorClient | undefined;
}

/** True while the partner's grants are in force (no `until:`, or before it). */
export function partnerActive(p: CompiledPartner, now = Date.now()): boolean {
  return p.until === undefined || now < p.until;
}

export interface CompiledPolicy {
  /** sha256 over the canonical JSON of the partners and strip list, first 16 hex chars. */
  version: string;
  file: string;
  partners: CompiledPartner[];
  hosts: HostIndex<CompiledPartner>;
  /** Canonical names (lower case, "_" as "-") removed from every client request. */
  stripNames: ReadonlySet<string>;
  /** The header carrying the enrichment signature (keys.signatureHeader). */
  signatureHeader: string;
  /** Keys loaded for this policy; undefined when compiled for analysis only (diff, explain without values). */
  material: PolicyMaterial | undefined;
  /** A digest of `material` (keys/material.ts): a reload with the same version but rotated keys is still a change. */
  materialFingerprint: string | undefined;
  /** Front-door clients by client id. */
  clients: ReadonlyMap<string, CompiledPartner>;
}

export interface CompileOptions {
  /** Key material; default: read from the files the config names. false: compile for analysis only (values cannot be produced). */
  material?: PolicyMaterial | false;
}

export const DEFAULT_SIGNATURE_HEADER = 'X-Hedge-Signature';

export function compilePolicy(config: Config, file = '<inline>', lineOf: (p: KeyPath) => number = () => 0, opts: CompileOptions = {}): CompiledPolicy {
  const hosts = new HostIndex<CompiledPartner>();
  const partners: CompiledPartner[] = [];
  const clients = new Map<string, CompiledPartner>();
  const strip = new Set<string>(HEADER_CATALOGUE.map((e) => e.name));
  for (const h of config.proxy.stripHeaders) strip.add(canonicalHeaderName(h));
  const signatureHeader = config.keys?.signatureHeader ?? DEFAULT_SIGNATURE_HEADER;
  strip.add(canonicalHeaderName(signatureHeader)); // a client's own "signature" would be a spoof
  strip.add('hedge-partner'); // bound into RFC 9421 signatures; only the gateway sets it

  let material: PolicyMaterial | undefined;
  try {
    material = opts.material === false ? undefined : (opts.material ?? loadMaterial(config, file));
  } catch (err) {
    if (!(err instanceof MaterialError)) throw err;
    throw new ConfigError([{ file, line: lineOf(err.path), column: 1, key: dotted(err.path), message: err.message, severity: 'error' }]);
  }
  if (material) {
    const reuse = lintKeyReuse(config, material);
    if (reuse.length > 0) throw new ConfigError(reuse.map((l) => lintIssue(l, file, lineOf)));
  }

  config.partners.forEach((p, pi) => {
    const grants: CompiledGrant[] = p.send.map((g, gi) => {
      const form: Form = g.form ?? 'claim';
      strip.add(canonicalHeaderName(g.header));
      const keyed = form === 'sealed' || form === 'token' || form === 'pseudonym';
      return {
        attribute: g.attribute,
        form,
        format: g.format,
        header: g.header,
        value:
          keyed && !material
            ? analysisOnly
            : valueFunction(g.attribute, form, g.format, {
                partnerId: p.id,
                pseudonymKey: material?.pseudonymKeys.get(p.id),
                sealKey: material?.sealKeys.get(p.id),
                tokenKey: material?.tokenKeys[0],
                lifetime: g.lifetime ?? (form === 'token' ? DEFAULT_TOKEN_LIFETIME : DEFAULT_SEALED_LIFETIME),
              }),
        line: lineOf(['partners', pi, 'send', gi]),
        cleartextAllowed: g.cleartext === 'allowed',
      };
    });
    const patterns = p.hosts.map((h) => {
      const hp = parseHostPattern(h);
      if (typeof hp === 'string') throw new Error(hp); // schema already refused these
      return hp;
    });
    const cp: CompiledPartner = {
      id: p.id,
      name: p.name,
      purpose: p.purpose,
      legalBasis: p.legalBasis ?? 'consent',
      hosts: patterns,
      grants,
      line: lineOf(['partners', pi]),
      tls: p.tls,
      signature: p.signature,
      hmac: material?.signatureSecrets.get(p.id),
      until: p.until !== undefined ? Date.parse(p.until) : undefined,
      ca: material?.partnerCa.get(p.id),
      frontDoor: compileFrontDoorClient(p, material?.clientJwks.get(p.id), material?.pseudonymKeys.get(p.id), lineOf(['partners', pi, 'frontDoor'])),
    };
    if (cp.frontDoor) clients.set(cp.frontDoor.clientId, cp);
    partners.push(cp);
    for (const hp of patterns) hosts.add(hp, cp);
  });

  const version = createHash('sha256')
    .update(JSON.stringify({ partners: config.partners, strip: [...strip].sort() }))
    .digest('hex')
    .slice(0, 16);
  const fingerprint = material && materialFingerprint(material);
  return { version, file, partners, hosts, stripNames: strip, signatureHeader, material, materialFingerprint: fingerprint, clients };
}

const analysisOnly: ValueFn = () => {
  throw new Error('policy compiled for analysis only: no key material');
};
