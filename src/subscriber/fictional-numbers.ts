// Number ranges reserved for fiction and testing. libphonenumber-js (rightly)
// calls them invalid, but they are exactly what labs, demos, tests and the
// canary use, so the recognisers must treat them as real mobile numbers.
// Sources:
//   Ofcom, "Telephone numbers for drama purposes": 07700 900000–900999 (mobile)
//   NANPA: 555-0100 through 555-0199 reserved for fictional use in every area code
const RANGES: readonly { prefix: string; length: number }[] = [
  { prefix: '447700900', length: 12 }, // +44 7700 900xxx
];

/** True for an E.164 number (with "+") in a fictional/test range. */
export function fictionalNumber(e164: string): boolean {
  const d = e164.startsWith('+') ? e164.slice(1) : e164;
  for (const r of RANGES) if (d.length === r.length && d.startsWith(r.prefix)) return true;
  // NANP: +1 NPA 555 01xx, where an area code (NPA) starts with 2-9
  return d.length === 11 && d.startsWith('1') && d[1]! >= '2' && d.slice(4, 9) === '55501';
}
