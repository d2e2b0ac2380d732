// detect/: recognising identifiers in text. One module shared by the egress
// guard, the canary, the leak checker and the scanner.
//
//   subscriberMatcher(sub).test(text) / .find(text)   one subscriber's identifiers, any encoding (hot path: test)
//   findSubscriberIdentifiers(text, ids)              one-shot form of the above
//   findIdentifierLike(text, opts)                    identifier-like values without a subscriber
//   classifyHeader(name, value, opts)                 catalogue + value recognisers → kind, confidence, reason
//   HEADER_CATALOGUE, catalogueEntry(name)            known identity/tracking headers, with sources
export { SubscriberMatcher, subscriberMatcher, findSubscriberIdentifiers } from './subscriber-match.js';
export type { SubscriberIdentifiers, IdentifierMatch, MsisdnFormat } from './subscriber-match.js';
export { ENCODINGS, percentDecode } from './encodings.js';
export type { Encoding, IdentifierAttribute } from './encodings.js';
export { findIdentifierLike, luhnValid } from './identifier-like.js';
export type { IdentifierLike, LikeKind, LikeOptions, Confidence } from './identifier-like.js';
export { classifyHeader } from './classify-header.js';
export type { HeaderClassification, HeaderKind, ClassifyOptions } from './classify-header.js';
export { HEADER_CATALOGUE, catalogueEntry, canonicalHeaderName } from './header-catalogue.js';
export type { CatalogueEntry, Carries } from './header-catalogue.js';
export { plausibleMcc } from './mcc.js';
export { isOrdinaryHeader, isStructuredHeader } from './ordinary-headers.js';
