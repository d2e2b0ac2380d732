// The breach report as a terminal table and as CSV (one row per subscriber ×
// site, the rows a regulator's spreadsheet wants).
import { purgeNotice, subjectLabel, unsignedReportNotice, witnessReportNotice, type BreachReport } from './report.js';
import type { Incident } from './incident.js';

export function reportTable(r: BreachReport): string {
  const out: string[] = [];
  out.push(r.title);
  out.push(`window      ${r.window.from} → ${r.window.to}`);
  if (r.filters.partner) out.push(`partner     ${r.filters.partner}`);
  if (r.filters.host) out.push(`host        ${r.filters.host}`);
  if (r.filters.outsidePolicy) out.push(`outside     ${r.filters.outsidePolicy}`);
  out.push(`disclosures ${r.totals.disclosures}   subscribers ${r.totals.subscribers}   sites ${r.totals.sites}   partners ${r.totals.partners}`);
  const notice = purgeNotice(r);
  if (notice) out.push(`purged      ${notice}`);
  const unsigned = unsignedReportNotice(r);
  if (unsigned) out.push(`unsigned    ${unsigned}`);
  const witnessed = witnessReportNotice(r);
  if (witnessed) out.push(`witness     ${witnessed}`);
  else if (r.witness) out.push(`witness     ${r.witness.file}: every witnessed checkpoint (${r.witness.signed}) is in the store`);
  if (r.redacted) out.push('redacted    no numbers: subscribers are named by their keyed reference');
  if (r.firstAt) out.push(`first       ${r.firstAt}\nlast        ${r.lastAt}`);
  if (r.incident) out.push('', ...incidentLines(r.incident));
  out.push('');
  out.push('Subscribers affected');
  out.push(
    table(
      [r.redacted ? 'reference' : 'number', 'disclosures', 'sites', 'first', 'last'],
      r.subscribers.map((s) => [subjectLabel(s), String(s.disclosures), s.sites.join(' '), s.firstAt, s.lastAt]),
    ),
  );
  out.push('');
  out.push('Sites');
  out.push(
    table(
      ['host', 'partner', 'disclosures', 'subscribers', 'attributes', 'first', 'last'],
      r.sites.map((s) => [s.host, s.partner, String(s.disclosures), String(s.subscribers), s.attributes.join(' '), s.firstAt, s.lastAt]),
    ),
  );
  return out.join('\n') + '\n';
}

/** The incident section in plain lines (also the basis of the per-subscriber notices' facts). */
export function incidentLines(i: Incident): string[] {
  const out = ['Incident'];
  out.push(`exposure started  ${i.exposureStartedAt ?? 'unknown (no leaking disclosure in the window)'}`);
  if (i.cause) {
    out.push(
      `cause             ${i.cause.type} on ${i.cause.node} (${i.cause.trigger ?? 'unknown trigger'}) at ${i.cause.at}: policy ${i.cause.policyVersion}${i.cause.file ? ` from ${i.cause.file}` : ''}`,
    );
    for (const l of i.cause.exposure) out.push(`                    ${l}`);
  } else out.push('cause             not found in the chain (purged, or before the first record)');
  out.push(`detected          ${i.detectedAt ? `${i.detectedAt} (${i.detectedBy})` : 'not detected by hedge; state it with --detected'}`);
  out.push(
    `stopped           ${i.stoppedBy ? `${i.stoppedBy.at}: ${i.stoppedBy.type} on ${i.stoppedBy.node} to policy ${i.stoppedBy.policyVersion}` : 'no later policy in the chain stopped it'}`,
  );
  for (const d of i.deadlines) out.push(`deadline          ${d.due ?? 'without undue delay'}  ${d.name}`);
  out.push(`audit chain       ${chainText(i)}`);
  return out;
}

export function chainText(i: Incident): string {
  const c = i.chain;
  const sig = c.signaturesChecked ? 'signed checkpoints checked' : 'checkpoint signatures not checked';
  const asFound = c.unsignedBeforeRestart ? `, of which ${c.unsignedBeforeRestart} taken as found after an unclean stop (unsigned)` : '';
  if (c.ok) return `verified: ${c.records} records in ${c.chains} chain(s), ${sig}${asFound}`;
  return `NOT verified: ${c.problem}${c.problemInWindow === null ? '' : c.problemInWindow ? ' (inside the window)' : ' (outside the window)'}`;
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '  (none)';
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

export function reportCsv(r: BreachReport): string {
  const head = ['msisdn', 'reference', 'partner', 'host', 'attributes', 'disclosures', 'first', 'last'];
  // The incident's facts repeat on every row, so each row stands on its own in a spreadsheet.
  const i = r.incident;
  const incidentHead = ['exposure_started', 'cause', 'detected', 'stopped', 'deadline_ico_pecr', 'deadline_gdpr_art33', 'audit_chain'];
  const incident = i
    ? [
        i.exposureStartedAt ?? '',
        i.cause ? `${i.cause.type} ${i.cause.at} policy ${i.cause.policyVersion}` : '',
        i.detectedAt ?? '',
        i.stoppedAt ?? '',
        i.deadlines[0]?.due ?? '',
        i.deadlines[1]?.due ?? '',
        i.chain.ok ? 'verified' : `NOT verified: ${i.chain.problem}`,
      ]
    : [];
  // A window retention cut short says so on every row too (the column is there only then).
  // So does a window holding records a restart took as found after an unclean stop, and a chain the witness shows cut back.
  const notice = purgeNotice(r);
  const unsigned = unsignedReportNotice(r);
  const witnessed = witnessReportNotice(r);
  const rows = [[...head, ...(i ? incidentHead : []), ...(notice ? ['incomplete'] : []), ...(unsigned ? ['unsigned'] : []), ...(witnessed ? ['witness'] : [])]];
  for (const e of r.exposures)
    rows.push([
      e.msisdn ?? '',
      e.reference,
      e.partner,
      e.host,
      e.attributes.join(' '),
      String(e.disclosures),
      e.firstAt,
      e.lastAt,
      ...incident,
      ...(notice ? [notice] : []),
      ...(unsigned ? [unsigned] : []),
      ...(witnessed ? [witnessed] : []),
    ]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function csvCell(v: string): string {
  // Quote always-risky cells; a leading = + - @ is neutralised against spreadsheet formula injection.
  const safe = /^[=+\-@\t\r]/.test(v) && !/^\+\d+$/.test(v) ? `'${v}` : v;
  return /[",\r\n']/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}
