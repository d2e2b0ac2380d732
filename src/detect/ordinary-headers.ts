// Headers whose meaning and format are fixed by HTTP and web standards. The
// recognisers treat them conservatively: numeric and date headers are never
// scanned, free-text ones (cookies, user agents, referers) only for explicit
// phone formats, and none of them is read as an opaque tracking token
// (session cookies, trace ids and ETags are random by design).
// Sources: RFC 9110/9111 (HTTP semantics, caching), RFC 6265 (cookies),
// W3C Trace Context, Fetch metadata, Client Hints, de-facto proxy headers.

/** Values are numbers, dates or fixed enumerations: nothing to scan. */
export const STRUCTURED_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'age',
  'max-forwards',
  'date',
  'expires',
  'last-modified',
  'if-modified-since',
  'if-unmodified-since',
  'retry-after',
  'content-type',
  'content-encoding',
  'content-language',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
  'accept-ranges',
  'range',
  'if-range',
  'connection',
  'keep-alive',
  'upgrade-insecure-requests',
  'dnt',
  'sec-gpc',
  'save-data',
  'priority',
  'te',
  'pragma',
  'cache-control',
  'host',
  'via',
  'transfer-encoding',
  'upgrade',
  'x-forwarded-proto',
  'x-forwarded-port',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-fetch-user',
  'sec-purpose',
  'purpose',
]);

/** Free text or random-by-design values the client or site owns. */
export const ORDINARY_HEADERS: ReadonlySet<string> = new Set([
  'user-agent',
  'cookie',
  'authorization',
  'referer',
  'origin',
  'traceparent',
  'tracestate',
  'x-request-id',
  'x-correlation-id',
  'x-amzn-trace-id',
  'x-cloud-trace-context',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'b3',
  'sentry-trace',
  'baggage',
  'etag',
  'if-match',
  'if-none-match',
  'x-requested-with',
  'x-csrf-token',
  'x-xsrf-token',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-real-ip',
  'content-md5',
  'content-digest',
  'digest',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'x-api-key',
]);

export function isStructuredHeader(canonical: string): boolean {
  return STRUCTURED_HEADERS.has(canonical) || canonical.startsWith('sec-ch-');
}

export function isOrdinaryHeader(canonical: string): boolean {
  return ORDINARY_HEADERS.has(canonical) || isStructuredHeader(canonical) || canonical.startsWith('sec-');
}
