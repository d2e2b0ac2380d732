// Headers that describe the phone or the network it is on rather than the
// person: make and model, capability profiles, bearer and roaming. Sites use
// them to fingerprint devices; the 2012 incident sent them to every site "for
// optimisation". Data, not logic. Sources:
//   [UAPROF] OMA User Agent Profile (UAProf) specification: x-wap-profile / profile headers
//   [WURFL]  ScientiaMobile WURFL docs: headers carrying the original device user agent
//   [OW]     Openwave gateway device-capability headers (x-up-devcap-*)
//   [AN]     Access Now, "The Rise of Mobile Tracking Headers" (2015)
export interface DeviceHeader {
  /** Canonical (lower-case, "-") header name, or a prefix ending in "-". */
  name: string;
  prefix?: boolean;
  what: string;
  source: string;
}

export const DEVICE_HEADERS: readonly DeviceHeader[] = [
  { name: 'x-wap-profile', what: "a link to your phone model's capability profile (UAProf)", source: 'UAPROF' },
  { name: 'wap-profile', what: "a link to your phone model's capability profile (UAProf)", source: 'UAPROF' },
  { name: 'profile', what: "a link to your phone model's capability profile (UAProf)", source: 'UAPROF' },
  { name: 'x-att-deviceid', what: "your phone's make, model and firmware, added by the operator", source: 'WURFL, AN' },
  { name: 'x-device-user-agent', what: "your phone's original browser identification", source: 'WURFL' },
  { name: 'x-original-user-agent', what: "your phone's original browser identification", source: 'WURFL' },
  { name: 'device-stock-ua', what: "your phone's stock browser identification", source: 'WURFL' },
  { name: 'x-operamini-phone-ua', what: "your phone's browser identification, forwarded by Opera Mini", source: 'WURFL' },
  { name: 'x-operamini-phone', what: "your phone's make and model, forwarded by Opera Mini", source: 'WURFL' },
  { name: 'x-skyfire-phone', what: "your phone's make and model, forwarded by Skyfire", source: 'WURFL' },
  { name: 'x-bolt-phone-ua', what: "your phone's browser identification, forwarded by Bolt", source: 'WURFL' },
  { name: 'x-up-devcap-', prefix: true, what: 'a capability of your phone (screen, colours, charset), added by an Openwave gateway', source: 'OW' },
  { name: 'x-up-bearer-type', what: 'the kind of radio connection your phone is using', source: 'OW' },
  { name: 'x-nokia-bearer', what: 'the kind of radio connection your phone is using', source: 'AN' },
  { name: 'x-network-type', what: 'the kind of radio connection your phone is using', source: 'AN' },
  { name: 'x-roaming', what: 'whether your phone is roaming', source: 'AN' },
];

const exact = new Map<string, DeviceHeader>();
const prefixes: DeviceHeader[] = [];
for (const d of DEVICE_HEADERS) {
  if (d.prefix) prefixes.push(d);
  else exact.set(d.name, d);
}

/** The device-detail entry for a canonical header name, if it is one. */
export function deviceHeader(canonicalName: string): DeviceHeader | undefined {
  return exact.get(canonicalName) ?? prefixes.find((p) => canonicalName.startsWith(p.name));
}
