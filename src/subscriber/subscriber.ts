// The subscriber behind a source address, as the binding stores hold it.
export interface Subscriber {
  /** E.164 with leading "+". */
  msisdn: string;
  imsi?: string | undefined;
  imei?: string | undefined;
  ageVerified?: boolean | undefined;
  /** Date of birth (YYYY-MM-DD) when the operator holds a verified one: the front door's age checks use it. */
  birthDate?: string | undefined;
  /** Partner ids this subscriber has opted out of. */
  optOut?: readonly string[] | undefined;
  /** 3GPP-RAT-Type from RADIUS accounting (TS 29.061: UTRAN 1, GERAN 2, WLAN 3, EUTRAN 6, NR 10). */
  ratType?: number | undefined;
  /** Where the binding came from: static config, the admin API, RADIUS. */
  source?: string | undefined;
}

/** What a caller supplies to create a binding; numbers may be in any common format. */
export interface SubscriberInput {
  msisdn: string;
  imsi?: string | undefined;
  imei?: string | undefined;
  ageVerified?: boolean | undefined;
  birthDate?: string | undefined;
  optOut?: readonly string[] | undefined;
}
