// The breach report as a terminal table and as CSV (one row per subscriber ×
// site, the rows a regulator's spreadsheet wants).
import type { BreachReport } from './report.js';

export function reportTable(r: BreachReport): string {
  const out: string[] = [];
  out.push(r.title);
  out.push(`window      ${r.window.from} → ${r.window.to}`);
  if (r.filters.partner) out.push(`partner     ${r.filters.partner}`);
  if (r.filters.host) out.push(`host        ${r.filters.host}`);
  if (r.filters.outsidePolicy) out.push(`outside     ${r.filters.outsidePolicy}`);
  out.push(`disclosures ${r.totals.disclosures}   subscribers ${r.totals.subscribers}   sites ${r.totals.sites}   partners ${r.totals.partners}`);
  if (r.firstAt) out.push(`first       ${r.firstAt}\nlast        ${r.lastAt}`);
  out.push('');
  out.push('Subscribers affected');
  out.push(table(['number', 'disclosures', 'sites', 'first', 'last'], r.subscribers.map((s) => [s.msisdn, String(s.disclosures), s.sites.join(' '), s.firstAt, s.lastAt])));
  out.push('');
  out.push('Sites');
  out.push(table(['host', 'partner', 'disclosures', 'subscribers', 'attributes', 'first', 'last'], r.sites.map((s) => [s.host, s.partner, String(s.disclosures), String(s.subscribers), s.attributes.join(' '), s.firstAt, s.lastAt])));
  return out.join('\n') + '\n';
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '  (none)';
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

export function reportCsv(r: BreachReport): string {
  const rows = [['msisdn', 'reference', 'partner', 'host', 'attributes', 'disclosures', 'first', 'last']];
  for (const e of r.exposures) rows.push([e.msisdn, e.reference, e.partner, e.host, e.attributes.join(' '), String(e.disclosures), e.firstAt, e.lastAt]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(v: string): string {
  // Quote always-risky cells; a leading = + - @ is neutralised against spreadsheet formula injection.
  const safe = /^[=+\-@\t\r]/.test(v) && !/^\+\d+$/.test(v) ? `'${v}` : v;
  return /[",\r\n']/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}
