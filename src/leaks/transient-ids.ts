// Opaque values that are random by design but do not follow a person from
// site to site: per-session, per-request and per-transaction ids, and UUIDs
// minted by apps. detect/ reads any long random-looking value in an unknown
// header as a possible tracking token (low confidence); here, where the
// header's name or the value's form says what it is, that reading is dropped,
// so the checker does not cry "tracking token" at every app session id.
// A catalogued tracking header (x-uidh, x-acr, ...) is never dropped.

/** Header names that announce a session, request or transaction id. */
const TRANSIENT_NAME =
  /(?:^|-)(?:session|sess|sid|csrf|xsrf|nonce|request|req|trace|span|correlation|idempotency|transaction|txn|order|invoice|ticket|etag|signature|sig|hash|checksum|digest|cache)(?:-|$)/;

/** RFC 9562 UUID text form: apps mint these per install, session or request. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function transientId(canonicalName: string, value: string): boolean {
  return TRANSIENT_NAME.test(canonicalName) || UUID.test(value.trim());
}
