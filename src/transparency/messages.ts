// The page's words, one catalogue per language (messages-en.ts, messages-de.ts),
// chosen from the browser's Accept-Language (or ?lang=). Every text the page
// shows comes from a catalogue; the page code holds no sentence of its own.
import { en } from './messages-en.js';
import { de } from './messages-de.js';

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
  withdrawnNotice(basis: LegalBasis): string;
  withdraw(basis: LegalBasis, partner: string): string;
  give(basis: LegalBasis, partner: string): string;
  done(given: boolean, partner: string): string;
  failed: string;
  recordedNote: string;
  languageSwitch: string;
  footer(operator: string): string;
  date(iso: string): string;
}

export const CATALOGUES: readonly Messages[] = [en, de];

/** The best catalogue for an Accept-Language header (RFC 9110 §12.5.4 weights), English when none fits. */
export function pickMessages(acceptLanguage: string | undefined, override?: string | null): Messages {
  if (override) {
    const m = CATALOGUES.find((c) => c.lang === override.toLowerCase());
    if (m) return m;
  }
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((w) => w.tag && w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const w of wanted) {
    const base = w.tag.split('-')[0];
    const m = CATALOGUES.find((c) => c.lang === base);
    if (m) return m;
  }
  return en;
}
