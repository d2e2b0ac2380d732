// The subscriber's page: one server-rendered HTML document, mobile first
// (readable at 320 px), no JavaScript, no external resources, landmarks and
// labels for assistive technology, AA contrast and 44 px targets. Every word
// comes from the language catalogue.
import { createHash } from 'node:crypto';
import type { LegalBasis, Messages } from './messages.js';
import { CATALOGUES } from './messages.js';

export interface PartnerView {
  id: string;
  name: string;
  purpose: string;
  legalBasis: LegalBasis;
  /** [attribute, form] pairs the policy grants it (or that it received). */
  receives: [string, string][];
  disclosures: number;
  first?: string | undefined;
  last?: string | undefined;
  withdrawn: boolean;
  /**
   * The operator's records stop this partner (the binding's optOut): the page
   * cannot change that, so it offers no form (a "give" would record a consent
   * that never applies).
   */
  byOperator: boolean;
  /** False for a partner that is no longer in the policy but received something before. */
  current: boolean;
}

export interface PageModel {
  m: Messages;
  operator: string;
  /** Masked number of the recognised subscriber, or null when the connection is not recognised. */
  masked: string | null;
  partners: PartnerView[];
  truncated: boolean;
  /** When the number became this subscriber's (ISO), if the operator recorded a reassignment: records start there. */
  since?: string | undefined;
  /** CSRF token for the consent forms (recognised subscribers only). */
  token?: string | undefined;
  flash?: { ok: boolean; text: string } | undefined;
}

const STYLE = `
:root{color-scheme:light;--fg:#1a1a1a;--muted:#4a4a4a;--line:#c9c9c9;--accent:#0b57d0;--warn:#8a1c12;--ok:#0f5b2a}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.5rem;z-index:1}
header,main,footer{max-width:44rem;margin:0 auto;padding:1rem}
header{border-bottom:1px solid var(--line)}
h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 .75rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;margin:0 0 .5rem}
p{margin:.5rem 0}
.who{font-weight:600}
.note,.muted{color:var(--muted)}
.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:1rem 0}
dl{margin:0}dt{font-weight:600;margin-top:.5rem}dd{margin:0}
ul{margin:.25rem 0;padding-left:1.25rem}
form{margin-top:.75rem}
button{font:inherit;min-height:44px;min-width:44px;padding:.5rem 1rem;border-radius:.375rem;border:2px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
button:focus-visible,a:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
a{color:var(--accent)}
.status{padding:.75rem 1rem;border-radius:.375rem;border:2px solid var(--ok);color:var(--ok);font-weight:600}
.status.bad{border-color:var(--warn);color:var(--warn)}
.withdrawn{color:var(--warn);font-weight:600}
nav ul{list-style:none;padding:0;display:flex;gap:.5rem;flex-wrap:wrap}
nav a{display:inline-block;min-height:44px;padding:.6rem .5rem}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem}
@media (min-width:48rem){h1{font-size:1.75rem}}
`;

/** The Content-Security-Policy the page is served with: only its own inline style, no script, no framing. */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

export function renderPage(p: PageModel): string {
  const m = p.m;
  const langs = CATALOGUES.map((c) =>
    c.lang === m.lang
      ? `<li><span aria-current="true">${esc(c.languageName)}</span></li>`
      : `<li><a href="/?lang=${c.lang}" hreflang="${c.lang}" lang="${c.lang}">${esc(c.languageName)}</a></li>`,
  ).join('');
  return `<!doctype html>
<html lang="${m.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(m.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#partners">${esc(m.skip)}</a>
<header>
<nav aria-label="${esc(m.languageSwitch)}"><ul>${langs}</ul></nav>
<h1>${esc(m.title)}</h1>
<p>${esc(m.intro)}</p>
</header>
<main>
${p.flash ? `<p class="status${p.flash.ok ? '' : ' bad'}" role="status">${esc(p.flash.text)}</p>` : ''}
${p.masked === null ? unknown(m) : known(p)}
</main>
<footer><p>${esc(m.footer(p.operator))}</p></footer>
</body>
</html>
`;
}

function unknown(m: Messages): string {
  return `<section aria-labelledby="unknown-h" id="unknown">
<h2 id="unknown-h">${esc(m.unknownTitle)}</h2>
<p>${esc(m.unknownBody)}</p>
</section>
${everyoneElse(m)}`;
}

function everyoneElse(m: Messages): string {
  return `<section aria-labelledby="others-h" id="others">
<h2 id="others-h">${esc(m.everyoneElseTitle)}</h2>
<p>${esc(m.everyoneElse)}</p>
</section>`;
}

function known(p: PageModel): string {
  const m = p.m;
  const cards = p.partners.map((x) => partnerCard(p, x)).join('\n');
  return `<section aria-labelledby="you-h" id="you">
<h2 id="you-h" class="who">${esc(m.recognisedAs(p.masked!))}</h2>
<p class="note">${esc(m.hotspotNote)}</p>
</section>
${everyoneElse(m)}
<section aria-labelledby="partners-h" id="partners">
<h2 id="partners-h">${esc(m.partnersTitle)}</h2>
<p>${esc(m.partnersIntro)}</p>
${p.since ? `<p class="note" id="since">${esc(m.recordsSince(m.date(p.since)))}</p>` : ''}
${p.partners.length === 0 ? `<p>${esc(m.noPartners)}</p>` : cards}
${p.truncated ? `<p class="note">${esc(m.moreRecords)}</p>` : ''}
<p class="note">${esc(m.recordedNote)}</p>
</section>`;
}

function partnerCard(p: PageModel, x: PartnerView): string {
  const m = p.m;
  const history = x.disclosures === 0 ? m.never : m.times(x.disclosures, m.date(x.first!), m.date(x.last!));
  const form =
    x.current && p.token && !x.byOperator
      ? `<form method="post" action="/consent">
<input type="hidden" name="partner" value="${esc(x.id)}">
<input type="hidden" name="choice" value="${x.withdrawn ? 'give' : 'withdraw'}">
<input type="hidden" name="token" value="${esc(p.token)}">
<input type="hidden" name="lang" value="${m.lang}">
<button type="submit"${x.withdrawn ? ' class="secondary"' : ''}>${esc(x.withdrawn ? m.give(x.legalBasis, x.name) : m.withdraw(x.legalBasis, x.name))}</button>
</form>`
      : '';
  return `<article class="card" id="partner-${esc(x.id)}" data-partner="${esc(x.id)}" data-disclosures="${x.disclosures}">
<h3>${esc(x.name)}</h3>
${x.byOperator ? `<p class="withdrawn">${esc(m.optedOutByUs)}</p>` : x.withdrawn ? `<p class="withdrawn">${esc(m.withdrawnNotice(x.legalBasis))}</p>` : ''}
<dl>
<dt>${esc(m.purpose)}</dt><dd>${esc(x.purpose)}</dd>
<dt>${esc(m.legalBasisLabel)}</dt><dd>${esc(m.legalBasis[x.legalBasis])}</dd>
<dt>${esc(m.receives)}</dt><dd><ul>${x.receives.map(([a, f]) => `<li>${esc(m.disclosure(a, f))}</li>`).join('')}</ul></dd>
<dt>${esc(m.history)}</dt><dd>${esc(history)}</dd>
</dl>
${form}
</article>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
