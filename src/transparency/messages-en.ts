// English catalogue for the subscriber's page.
import { disclosureInWords } from '../audit/plain-words.js';
import type { Messages } from './messages-shape.js';

export const en: Messages = {
  lang: 'en',
  languageName: 'English',
  title: 'What your mobile network tells websites about you',
  skip: 'Skip to the list of partners',
  intro: 'Your network can tell some websites who you are, or only what they need to know. This page shows you exactly what it told, to whom, and lets you say no.',
  recognisedAs: (n) => `This connection belongs to the mobile number ${n}.`,
  hotspotNote: 'The number is partly hidden: a laptop on your phone\u2019s hotspot shares its connection and sees this page too.',
  unknownTitle: 'We cannot tell who you are',
  unknownBody:
    'This connection is not one of our mobile data connections (for example, you are on Wi-Fi), so we show no records here. Websites receive nothing about you from us over this connection either. Open this page over mobile data to see your own record.',
  everyoneElseTitle: 'Every other website',
  everyoneElse: 'Every website that is not listed below receives nothing about you from our network: not your number, not your identity, not your phone\u2019s details.',
  partnersTitle: 'Partners that may receive something',
  partnersIntro: 'Each partner gets only what its stated purpose needs, and only when you visit it.',
  noPartners: 'No partner may receive anything about you.',
  purpose: 'Why',
  legalBasisLabel: 'Legal basis',
  legalBasis: {
    consent: 'your consent — you can withdraw it at any time',
    contract: 'your contract with us — you can object',
    'legitimate-interest': 'a legitimate interest — you can object',
    'legal-obligation': 'a legal obligation — you can object, and we will tell you whether the law still requires it',
  },
  receives: 'What it receives',
  disclosure: (attribute, form) => capitalise(disclosureInWords(attribute, form)),
  history: 'What we have told it so far',
  never: 'Nothing yet.',
  times: (n, first, last) => (n === 1 ? `Once, on ${first}.` : `${n} times, from ${first} to ${last}.`),
  recordsSince: (date) => `This number has been yours since ${date}: the records start then.`,
  moreRecords: 'You have more records than this page counts; ask us for the full record.',
  withdrawnNotice: (basis) =>
    basis === 'consent' ? 'You have withdrawn your consent: this partner receives nothing about you.' : 'You have objected: this partner receives nothing about you.',
  optedOutByUs: 'Our records say this partner receives nothing about you. That choice was made with us, not on this page: to change it, contact us.',
  withdraw: (basis, p) => (basis === 'consent' ? `Withdraw my consent for ${p}` : `Object: send ${p} nothing about me`),
  give: (basis, p) => (basis === 'consent' ? `Give my consent to ${p} again` : `Withdraw my objection to ${p}`),
  done: (given, p) => (given ? `Saved: ${p} may receive what is listed again.` : `Saved: ${p} receives nothing about you from now on.`),
  failed: 'Your choice could not be saved just now. Nothing was changed; please try again in a minute.',
  recordedNote: 'Every choice you make here is recorded in our tamper-evident audit.',
  languageSwitch: 'Language',
  footer: (op) => `${op} \u2014 this page stores nothing about your visit.`,
  date: (iso) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC',
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
