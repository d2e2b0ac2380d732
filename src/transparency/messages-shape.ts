// What every catalogue (messages-en.ts, messages-de.ts) provides; messages.ts picks one.
export type LegalBasis = 'consent' | 'contract' | 'legitimate-interest' | 'legal-obligation';

export interface Messages {
  lang: string;
  /** The language's own name, for the language switch. */
  languageName: string;
  title: string;
  skip: string;
  intro: string;
  recognisedAs(maskedNumber: string): string;
  hotspotNote: string;
  unknownTitle: string;
  unknownBody: string;
  everyoneElseTitle: string;
  everyoneElse: string;
  partnersTitle: string;
  partnersIntro: string;
  noPartners: string;
  purpose: string;
  legalBasisLabel: string;
  legalBasis: Record<LegalBasis, string>;
  receives: string;
  /** e.g. "your phone number" — from the audit's plain words; translated per form. */
  disclosure(attribute: string, form: string): string;
  history: string;
  never: string;
  times(n: number, first: string, last: string): string;
  moreRecords: string;
  /** The number changed hands: the records shown start when it became this subscriber's. */
  recordsSince(date: string): string;
  withdrawnNotice(basis: LegalBasis): string;
  /** The operator's records say this partner gets nothing (a binding's optOut): not a choice this page can change. */
  optedOutByUs: string;
  withdraw(basis: LegalBasis, partner: string): string;
  give(basis: LegalBasis, partner: string): string;
  done(given: boolean, partner: string): string;
  failed: string;
  recordedNote: string;
  languageSwitch: string;
  footer(operator: string): string;
  date(iso: string): string;
}
