// Known identity and tracking headers seen in the wild. Data, not logic: the
// strip stage removes every one of these from client requests, the egress
// guard and the leak checker explain them. Each entry names its source.
// Sources:
//   [AN]  Access Now, "The Rise of Mobile Tracking Headers" (2015)
//   [NZ]  Vallina-Rodriguez et al., "Header Enrichment or ISP Enrichment?", HotMiddlebox 2015 (Netalyzr)
//   [MU]  Mulliner, "Privacy Leaks in Mobile Phone Internet Access", ICIN 2010
//   [UK]  UK operator incident, January 2012 (press reports)
//   [FCC] FCC consent decree with Verizon Wireless, March 2016
//   [KN]  Kannel WAP gateway documentation
export type Carries = 'msisdn' | 'imsi' | 'imei' | 'token' | 'ip' | 'location' | 'gateway' | 'plan';

export interface CatalogueEntry {
  name: string;
  carries: Carries;
  who: string;
  source: string;
}

export const HEADER_CATALOGUE: readonly CatalogueEntry[] = [
  { name: 'x-up-calling-line-id', carries: 'msisdn', who: 'Openwave "UP" gateways; the 2012 UK incident', source: 'UK, MU' },
  { name: 'x-msisdn', carries: 'msisdn', who: 'many operators', source: 'AN, MU' },
  { name: 'msisdn', carries: 'msisdn', who: 'many operators', source: 'AN' },
  { name: 'x-wap-msisdn', carries: 'msisdn', who: 'many operators', source: 'AN, MU' },
  { name: 'x-network-info', carries: 'msisdn', who: 'Elisa (FI), MSISDN inside a list', source: 'AN' },
  { name: 'x-nokia-msisdn', carries: 'msisdn', who: 'Nokia gateways', source: 'MU' },
  { name: 'x-nokia-alias', carries: 'token', who: 'Nokia gateways (encrypted MSISDN)', source: 'MU' },
  { name: 'x-nokia-imsi', carries: 'imsi', who: 'Nokia gateways', source: 'MU' },
  { name: 'x-nokia-ipaddress', carries: 'ip', who: 'Nokia gateways', source: 'MU' },
  { name: 'x-imsi', carries: 'imsi', who: 'various', source: 'AN, MU' },
  { name: 'x-huawei-imsi', carries: 'imsi', who: 'Huawei gateways', source: 'AN' },
  { name: 'x-up-3gpp-imeisv', carries: 'imei', who: 'various', source: 'NZ' },
  { name: 'x-up-subno', carries: 'token', who: 'AT&T', source: 'AN, MU' },
  { name: 'x-uidh', carries: 'token', who: 'Verizon (2012-2016)', source: 'AN, FCC' },
  { name: 'x-acr', carries: 'token', who: 'AT&T', source: 'AN' },
  { name: 'x-vf-acr', carries: 'token', who: 'Vodafone', source: 'AN' },
  { name: 'x-amobee-1', carries: 'token', who: 'Bharti Airtel', source: 'AN' },
  { name: 'x-h3g-msisdn', carries: 'msisdn', who: 'Three (H3G)', source: 'AN' },
  { name: 'x-h3g-party-user-id', carries: 'token', who: 'Three (H3G)', source: 'AN' },
  { name: 'x-wte-msisdn', carries: 'msisdn', who: 'various', source: 'AN' },
  { name: 'x-wap-network-client-msisdn', carries: 'msisdn', who: 'Kannel WAP gateway', source: 'KN' },
  { name: 'x-wap-network-client-ip', carries: 'ip', who: 'Kannel WAP gateway', source: 'KN' },
  { name: 'x-up-subscriber-cos', carries: 'plan', who: 'Openwave', source: 'AN' },
  { name: 'x-opwv-ddm-identity', carries: 'token', who: 'Openwave / Vodacom', source: 'AN' },
  { name: 'x-opwv-ddm-subscriber', carries: 'token', who: 'Openwave / Vodacom', source: 'AN' },
  { name: 'x-opwv-ddm-httpmiscdd', carries: 'plan', who: 'Openwave / Vodacom', source: 'AN' },
  { name: 'x-up-vodacomgw-subid', carries: 'token', who: 'Vodacom', source: 'AN' },
  { name: 'x-piper-id', carries: 'token', who: 'various', source: 'AN' },
  { name: 'x-jphone-uid', carries: 'token', who: 'J-Phone / SoftBank', source: 'AN' },
  { name: 'x-jinny-cid', carries: 'token', who: 'Jinny gateways', source: 'AN' },
  { name: 'x-fcckv2', carries: 'token', who: 'various', source: 'AN' },
  { name: 'x-wap-kid', carries: 'token', who: 'various', source: 'AN' },
  { name: 'x-saucer', carries: 'token', who: 'various', source: 'AN' },
  { name: 'x-avantgo-userid', carries: 'token', who: 'AvantGo', source: 'AN' },
  { name: 'x-avantgo-deviceid', carries: 'imei', who: 'AvantGo', source: 'AN' },
  { name: 'x-up-nai', carries: 'token', who: 'Openwave', source: 'AN' },
  { name: 'x-up-3gpp-sgsn-mcc-mnc', carries: 'location', who: 'various', source: 'NZ' },
  { name: 'lbs-zoneid', carries: 'location', who: 'various', source: 'AN' },
  { name: 'lbs-eventtime', carries: 'location', who: 'various', source: 'AN' },
  { name: 'o2gw-id', carries: 'gateway', who: 'O2', source: 'AN' },
];

/** Canonical comparison form of a header name: lower case, "_" read as "-" (CGI/PHP/WSGI/Rack alias both). */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.indexOf('_') === -1 ? lower : lower.replace(/_/g, '-');
}

const byName = new Map(HEADER_CATALOGUE.map((e) => [e.name, e]));
export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return byName.get(canonicalHeaderName(name));
}

/** catalogueEntry of a name already in canonical form (canonicalHeaderName): no second lower-casing. */
export function catalogueEntryOfCanonical(canonical: string): CatalogueEntry | undefined {
  return byName.get(canonical);
}
