// The page's words, one catalogue per language (messages-en.ts, messages-de.ts),
// chosen from the browser's Accept-Language (or ?lang=). Every text the page
// shows comes from a catalogue; the page code holds no sentence of its own.
import { en } from './messages-en.js';
import { de } from './messages-de.js';
import type { LegalBasis, Messages } from './messages-shape.js';

export type { LegalBasis, Messages };

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
