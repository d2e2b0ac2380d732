// Per-subscriber breach notices (GDPR Art. 34, PECR reg. 5A(3)): one plain-
// language letter per affected subscriber, built from the breach report — which
// sites received what, when, why, and what the operator did about it. As a CSV
// for a mail merge (one row per subscriber) and as one text file per
// subscriber, named by the keyed reference so a file name reveals no number.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { grantInWords } from './plain-words.js';
import type { BreachReport } from './report.js';
import { csvCell } from './report-text.js';

export interface Notice {
  msisdn: string;
  reference: string;
  sites: string[];
  text: string;
}

export interface NoticeOptions {
  operator: string;
  /** Where subscribers can ask questions (a page, an address, a phone line). */
  contact?: string | undefined;
}

const day = (iso: string) => new Date(iso).toUTCString().replace(':00 GMT', ' UTC').replace(' GMT', ' UTC');

export function buildNotices(r: BreachReport, o: NoticeOptions): Notice[] {
  if (r.redacted) throw new HedgeError(ErrorCodes.AUDIT_REPORT, "notices need the subscribers' numbers: build them from a report that is not redacted");
  const bySubject = new Map<string, BreachReport['exposures']>();
  for (const e of r.exposures) {
    const list = bySubject.get(e.reference) ?? [];
    list.push(e);
    bySubject.set(e.reference, list);
  }
  const operator = o.operator || 'your mobile operator';
  const i = r.incident;
  return r.subscribers.map((s) => {
    const rows = bySubject.get(s.reference) ?? [];
    const lines: string[] = [];
    lines.push(`To the user of mobile number ${s.msisdn}`);
    lines.push('');
    lines.push(
      `We are writing to tell you that, because of an error in ${operator}'s network, information about your mobile connection was sent to websites that should not have received it.`,
    );
    lines.push('');
    lines.push('What was sent, and to whom:');
    for (const e of rows) {
      const what = e.attributes.map(grantInWords).join('; ');
      const when = e.firstAt === e.lastAt ? `on ${day(e.firstAt)}` : `between ${day(e.firstAt)} and ${day(e.lastAt)}`;
      lines.push(`  - ${e.host}: ${what} — ${e.disclosures} time${e.disclosures === 1 ? '' : 's'}, ${when}`);
    }
    lines.push('');
    if (i?.exposureStartedAt) lines.push(`The error began on ${day(i.exposureStartedAt)}${i.cause ? ', when a configuration change was applied to the network' : ''}.`);
    if (i?.detectedAt) lines.push(`We found it on ${day(i.detectedAt)}.`);
    if (i?.stoppedAt) lines.push(`It was stopped on ${day(i.stoppedAt)}; since then these websites receive nothing about you.`);
    lines.push('');
    lines.push(
      'What this means for you: the websites listed could have linked your visits to your phone number. They could not read your messages, calls or passwords. Be careful with unexpected calls or messages that mention these websites.',
    );
    lines.push('');
    lines.push(
      `What we have done: we have stopped the disclosure, reported the breach to the regulator, and asked the websites listed to delete what they received. Our records of every disclosure are tamper-evident${i?.chain.ok ? ' and were checked before this letter was written' : ''}.`,
    );
    lines.push('');
    lines.push(`Questions: ${o.contact ?? `contact ${operator}'s customer service and mention reference ${s.reference}`}.`);
    lines.push(`Reference: ${s.reference}`);
    return { msisdn: s.msisdn!, reference: s.reference, sites: s.sites, text: lines.join('\n') + '\n' };
  });
}

/** One row per subscriber for a mail merge: number, reference, sites, and the letter. */
export function noticesCsv(notices: readonly Notice[]): string {
  const rows = [['msisdn', 'reference', 'sites', 'notice']];
  for (const n of notices) rows.push([n.msisdn, n.reference, n.sites.join(' '), n.text]);
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Writes notices.csv and one <reference>.txt per subscriber into dir (mode 0600: they hold numbers). */
export function writeNotices(dir: string, notices: readonly Notice[]): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = [join(dir, 'notices.csv')];
  writeFileSync(files[0]!, noticesCsv(notices), { mode: 0o600 });
  for (const n of notices) {
    const f = join(dir, `${n.reference}.txt`);
    writeFileSync(f, n.text, { mode: 0o600 });
    files.push(f);
  }
  return files;
}
