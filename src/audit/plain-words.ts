// What a disclosure meant for the subscriber, in words a person understands:
// the breach notices and the subscriber's own page say "your phone number",
// "a yes/no age answer", "an alias only this partner can use" — never
// "msisdn/pseudonym". Unknown pairs fall back to a neutral description.
const ATTRIBUTE: Record<string, string> = {
  msisdn: 'phone number',
  imsi: 'SIM card identity (IMSI)',
  imei: 'phone hardware identity (IMEI)',
  'client-ip': 'internet address on the mobile network',
  'age-verified': 'age check',
  subscriber: 'status as a customer of this network',
};

/** A short phrase: what the partner received. */
export function disclosureInWords(attribute: string, form: string): string {
  const what = ATTRIBUTE[attribute] ?? attribute;
  switch (form) {
    case 'raw':
      return `your ${what}`;
    case 'pseudonym':
      return `an alias only this partner can use, instead of your ${what}`;
    case 'token':
      return `a temporary reference to your ${what} that only the network can look up`;
    case 'sealed':
      return `your ${what}, encrypted so that only this partner can read it`;
    case 'match':
      return `a yes/no answer to "is this your ${what}?"`;
    case 'claim':
      return attribute === 'age-verified'
        ? 'a yes/no age answer'
        : attribute === 'subscriber'
          ? 'a yes/no answer to "is this a customer of the network?"'
          : `a yes/no answer about your ${what}`;
    default:
      return `your ${what} (${form})`;
  }
}

/** "msisdn/raw" → words; the report keeps grants in that form. */
export function grantInWords(grant: string): string {
  const i = grant.indexOf('/');
  return i < 0 ? grant : disclosureInWords(grant.slice(0, i), grant.slice(i + 1));
}
