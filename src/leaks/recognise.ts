// The bridge from detect/ (which recognises identifiers in text) to the
// checker and scanner (which explain where they were found): one shape for
// "something identifier-like, here, written this way".
import { findIdentifierLike } from '../detect/identifier-like.js';
import { SubscriberMatcher, type SubscriberIdentifiers } from '../detect/subscriber-match.js';
import type { Confidence } from './verdict.js';

export interface Recognised {
  what: 'msisdn' | 'imsi' | 'imei' | 'token';
  /** The identifying text as it appears in the value; "" when only a decoded form holds it. */
  match: string;
  confidence: Confidence;
  encoding?: string;
}

export interface RecogniseOptions {
  /** ISO country for national-format numbers. */
  country?: string | undefined;
  /** Free text (cookies, user agents): only explicit phone formats count. */
  strict?: boolean;
}

/** Identifier-like values in `text`, knowing nobody's identifiers. */
export function recogniseLike(text: string, opts: RecogniseOptions = {}): Recognised[] {
  if (text.length < 7) return [];
  return findIdentifierLike(text, { country: opts.country, tokens: true, strictNumbers: opts.strict }).map((l) => ({
    what: l.kind === 'imeisv' ? 'imei' : l.kind,
    match: l.encoding === 'percent' ? '' : text.slice(l.start, l.end),
    confidence: l.confidence,
    encoding: l.encoding,
  }));
}

export type SubscriberFinder = (text: string) => Recognised[];

/** A finder for one subscriber's identifiers in every encoding detect/ knows. */
export function subscriberFinder(ids: SubscriberIdentifiers): SubscriberFinder {
  const m = new SubscriberMatcher(ids);
  return (text) =>
    m
      .find(text)
      .filter((x) => x.attribute !== 'client-ip')
      .map((x) => ({
        what: x.attribute as Recognised['what'],
        match: '',
        confidence: 'high' as const,
        encoding: x.format && (x.encoding === 'plain' || x.encoding === 'separated') ? `${x.encoding}, ${x.format}` : x.encoding,
      }));
}
