// Classifying one header without knowing the subscriber: is it a known
// identity/tracking header (the catalogue), or does its value look like an
// identifier? The leak checker and the scanner explain each header with this.
import { canonicalHeaderName, catalogueEntry, type CatalogueEntry } from './header-catalogue.js';
import { findIdentifierLike, type Confidence, type IdentifierLike } from './identifier-like.js';
import { isOrdinaryHeader, isStructuredHeader } from './ordinary-headers.js';

/**
 * identity   names the subscriber (MSISDN, IMSI, IMEI, an operator alias of them)
 * tracking   an opaque id that follows the subscriber from site to site
 * network    about the connection: internal IP, location, gateway, plan
 * none       nothing recognised
 */
export type HeaderKind = 'identity' | 'tracking' | 'network' | 'none';

export interface HeaderClassification {
  /** Canonical name (lower case, "_" as "-"). */
  name: string;
  kind: HeaderKind;
  confidence: Confidence | undefined;
  /** The catalogue entry when the name is a known identity/tracking header. */
  catalogue: CatalogueEntry | undefined;
  /** Identifier-like values found in the value (positions only; never log the value). */
  identifiers: IdentifierLike[];
  /** One short reason, safe to log (names kinds, never values). */
  reason: string;
}

export interface ClassifyOptions {
  /** Operator/visitor country for national-format numbers. */
  country?: string | undefined;
}

const CARRIES_KIND: Record<CatalogueEntry['carries'], HeaderKind> = {
  msisdn: 'identity',
  imsi: 'identity',
  imei: 'identity',
  token: 'tracking',
  ip: 'network',
  location: 'network',
  gateway: 'network',
  plan: 'network',
};

export function classifyHeader(name: string, value: string, opts: ClassifyOptions = {}): HeaderClassification {
  const canonical = canonicalHeaderName(name);
  const entry = catalogueEntry(canonical);
  if (entry) {
    const identifiers = value.trim() ? findIdentifierLike(value, { country: opts.country, tokens: true }) : [];
    const kind = identifiers.some((i) => i.kind !== 'token') ? 'identity' : CARRIES_KIND[entry.carries];
    return { name: canonical, kind, confidence: 'high', catalogue: entry, identifiers, reason: `known ${entry.carries} header (${entry.who})` };
  }
  if (isStructuredHeader(canonical)) return { name: canonical, kind: 'none', confidence: undefined, catalogue: undefined, identifiers: [], reason: 'standard header' };
  const ordinary = isOrdinaryHeader(canonical);
  const identifiers = findIdentifierLike(value, { country: opts.country, tokens: !ordinary, strictNumbers: ordinary });
  const strong = identifiers.filter((i) => i.kind !== 'token');
  if (strong.length) {
    const best = strong.some((i) => i.confidence === 'high') ? 'high' : strong.some((i) => i.confidence === 'medium') ? 'medium' : 'low';
    return {
      name: canonical,
      kind: 'identity',
      confidence: best,
      catalogue: undefined,
      identifiers,
      reason: `value holds ${[...new Set(strong.map((i) => i.kind))].join(', ')}-like data`,
    };
  }
  if (identifiers.length) return { name: canonical, kind: 'tracking', confidence: 'low', catalogue: undefined, identifiers, reason: 'value looks like an opaque tracking token' };
  return { name: canonical, kind: 'none', confidence: undefined, catalogue: undefined, identifiers: [], reason: ordinary ? 'standard header' : 'nothing recognised' };
}
