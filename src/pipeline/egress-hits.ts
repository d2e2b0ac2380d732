// What the egress guard reports when it has to act. A hit names the header
// (or the URL), the attribute and how it was written — never the value.
export type GuardReason =
  | 'identifier' //           one of this subscriber's identifiers, in any encoding
  | 'identifier-like' //      a valid phone number / IMSI / IMEI not granted here
  | 'identity-header' //      a known identity/tracking header name the policy did not grant
  | 'ungranted-disclosure' // a disclosure the policy does not grant to this destination
  | 'changed-url'; //         the gateway changed the URL and it now carries an identifier

export interface GuardHit {
  /** Canonical header name, or ":url" for the request target. */
  header: string;
  /** msisdn, imsi, imei, imeisv, client-ip, or the catalogue's "carries" for identity-header hits. */
  attribute: string;
  encoding: string | undefined;
  reason: GuardReason;
  action: 'stripped' | 'refused';
  /** The partner the disclosure claimed, for ungranted-disclosure hits. */
  partner: string | undefined;
}

/** Receives every hit of one request (metrics, log, alert); called synchronously. */
export type GuardHitSink = (hits: readonly GuardHit[], flow: { id: string; clientAddress: string; target: { host: string } }) => void;
