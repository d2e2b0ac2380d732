// The breach report as one self-contained HTML page (no scripts, no external
// resources): summary, a timeline chart as inline SVG, and the tables. Every
// number carries a data-* attribute so tools can read it back.
import { purgeNotice, subjectLabel, unsignedReportNotice, witnessReportNotice, type BreachReport } from './report.js';
import { chainText } from './report-text.js';
import type { Incident } from './incident.js';

export function reportHtml(r: BreachReport, operator = ''): string {
  const summary: [string, string, string][] = [
    ['disclosures', 'Disclosures', String(r.totals.disclosures)],
    ['subscribers', 'Subscribers affected', String(r.totals.subscribers)],
    ['sites', 'Sites', String(r.totals.sites)],
    ['partners', 'Partners', String(r.totals.partners)],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(r.title)}${operator ? ` — ${esc(operator)}` : ''}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
.meta{color:#555}.meta dt{font-weight:600;float:left;clear:left;width:11rem}.meta dd{margin:0 0 .2rem 11rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1.2rem 0}.card{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;min-width:9rem}
.card .n{font-size:1.6rem;font-weight:700}.card .l{color:#555}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
svg text{font:11px system-ui,sans-serif;fill:#333}.bar{fill:#b3261e}
@media print{body{margin:0}.card{break-inside:avoid}}
</style>
</head>
<body>
<h1>${esc(r.title)}</h1>
<dl class="meta">
${operator ? `<dt>Operator</dt><dd>${esc(operator)}</dd>` : ''}
<dt>Window</dt><dd><time id="window-from">${esc(r.window.from)}</time> → <time id="window-to">${esc(r.window.to)}</time></dd>
${r.filters.partner ? `<dt>Partner</dt><dd>${esc(r.filters.partner)}</dd>` : ''}
${r.filters.host ? `<dt>Host</dt><dd>${esc(r.filters.host)}</dd>` : ''}
${r.filters.outsidePolicy ? `<dt>Outside policy</dt><dd>${esc(r.filters.outsidePolicy)}</dd>` : ''}
<dt>First disclosure</dt><dd>${esc(r.firstAt ?? '—')}</dd>
<dt>Last disclosure</dt><dd>${esc(r.lastAt ?? '—')}</dd>
<dt>Generated</dt><dd>${esc(r.generatedAt)} by hedge from the tamper-evident audit store</dd>
${purgeNotice(r) ? `<dt>Incomplete</dt><dd id="purged">${esc(purgeNotice(r)!)}</dd>` : ''}
${unsignedReportNotice(r) ? `<dt>Unsigned</dt><dd id="unsigned">${esc(unsignedReportNotice(r)!)}</dd>` : ''}
${witnessHtml(r)}
${r.redacted ? '<dt>Redacted</dt><dd id="redacted">No numbers: subscribers are named by their keyed reference only.</dd>' : ''}
</dl>
${r.incident ? incidentHtml(r.incident) : ''}
<section class="cards" id="summary">
${summary.map(([k, label, n]) => `<div class="card"><div class="n" id="total-${k}" data-total="${k}">${n}</div><div class="l">${label}</div></div>`).join('\n')}
</section>
<h2>Timeline</h2>
${chart(r)}
<h2>Subscribers affected</h2>
<table id="subscribers"><thead><tr><th>${r.redacted ? 'Reference' : 'Number'}</th><th>Disclosures</th><th>Sites</th><th>First</th><th>Last</th></tr></thead><tbody>
${r.subscribers.map((s) => `<tr data-subject="${esc(subjectLabel(s))}"${s.msisdn ? ` data-msisdn="${esc(s.msisdn)}"` : ''}><td>${esc(subjectLabel(s))}</td><td class="num" data-disclosures="${s.disclosures}">${s.disclosures}</td><td>${esc(s.sites.join(', '))}</td><td>${esc(s.firstAt)}</td><td>${esc(s.lastAt)}</td></tr>`).join('\n')}
</tbody></table>
<h2>Sites</h2>
<table id="sites"><thead><tr><th>Host</th><th>Partner</th><th>Disclosures</th><th>Subscribers</th><th>What was disclosed</th><th>First</th><th>Last</th></tr></thead><tbody>
${r.sites.map((s) => `<tr data-host="${esc(s.host)}"><td>${esc(s.host)}</td><td>${esc(s.partner)}</td><td class="num" data-disclosures="${s.disclosures}">${s.disclosures}</td><td class="num" data-subscribers="${s.subscribers}">${s.subscribers}</td><td>${esc(s.attributes.join(', '))}</td><td>${esc(s.firstAt)}</td><td>${esc(s.lastAt)}</td></tr>`).join('\n')}
</tbody></table>
<h2>Each subscriber at each site</h2>
<table id="exposures"><thead><tr><th>${r.redacted ? 'Reference' : 'Number'}</th><th>Host</th><th>Partner</th><th>What was disclosed</th><th>Disclosures</th><th>First</th><th>Last</th></tr></thead><tbody>
${r.exposures.map((e) => `<tr><td>${esc(subjectLabel(e))}</td><td>${esc(e.host)}</td><td>${esc(e.partner)}</td><td>${esc(e.attributes.join(', '))}</td><td class="num" data-disclosures="${e.disclosures}">${e.disclosures}</td><td>${esc(e.firstAt)}</td><td>${esc(e.lastAt)}</td></tr>`).join('\n')}
</tbody></table>
</body>
</html>
`;
}

function incidentHtml(i: Incident): string {
  const row = (id: string, label: string, value: string) => `<dt>${label}</dt><dd id="incident-${id}">${value}</dd>`;
  const cause = i.cause
    ? `${esc(i.cause.type)} on ${esc(i.cause.node)} (${esc(i.cause.trigger ?? 'unknown trigger')}) at <time>${esc(i.cause.at)}</time>: policy <code>${esc(i.cause.policyVersion)}</code>${i.cause.file ? ` from <code>${esc(i.cause.file)}</code>` : ''}${
        i.cause.exposure.length ? `<ul>${i.cause.exposure.map((l) => `<li><code>${esc(l)}</code></li>`).join('')}</ul>` : ''
      }`
    : 'not found in the chain (purged, or before the first record)';
  return `<h2>Incident</h2>
<dl class="meta" id="incident">
${row('started', 'Exposure started', esc(i.exposureStartedAt ?? 'unknown'))}
${row('cause', 'Cause', cause)}
${row('detected', 'Detected', i.detectedAt ? `<time>${esc(i.detectedAt)}</time> (${esc(i.detectedBy ?? '')})` : 'not detected by hedge')}
${row('stopped', 'Stopped', i.stoppedBy ? `<time>${esc(i.stoppedBy.at)}</time>: ${esc(i.stoppedBy.type)} on ${esc(i.stoppedBy.node)} to policy <code>${esc(i.stoppedBy.policyVersion)}</code>` : 'no later policy in the chain stopped it')}
${row('chain', 'Audit chain', esc(chainText(i)))}
</dl>
${
  i.deadlines.length
    ? `<table id="deadlines"><thead><tr><th>Notify</th><th>Due</th><th>Rule</th></tr></thead><tbody>
${i.deadlines.map((d) => `<tr><td>${esc(d.name)}</td><td>${esc(d.due ?? 'without undue delay')}</td><td>${esc(d.rule)}</td></tr>`).join('\n')}
</tbody></table>`
    : ''
}`;
}

function chart(r: BreachReport): string {
  const b = r.timeline.buckets;
  if (b.length === 0) return '<p id="timeline">No disclosures in this window.</p>';
  const W = 900;
  const H = 220;
  const left = 48;
  const bottom = 40;
  const max = Math.max(1, ...b.map((x) => x.disclosures));
  const bw = (W - left - 10) / b.length;
  const y = (n: number) => H - bottom - (n / max) * (H - bottom - 16);
  const bars = b
    .map(
      (x, i) =>
        `<rect class="bar" x="${(left + i * bw + 1).toFixed(1)}" y="${y(x.disclosures).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(H - bottom - y(x.disclosures)).toFixed(1)}" data-start="${esc(x.start)}" data-disclosures="${x.disclosures}"><title>${esc(x.start)}: ${x.disclosures}</title></rect>`,
    )
    .join('');
  const step = Math.max(1, Math.ceil(b.length / 6));
  const labels = b
    .map((x, i) => (i % step === 0 ? `<text x="${(left + i * bw).toFixed(1)}" y="${H - bottom + 16}">${esc(x.start.slice(0, 16).replace('T', ' '))}</text>` : ''))
    .join('');
  return `<svg id="timeline" role="img" aria-label="Disclosures per ${r.timeline.bucketSeconds} seconds" viewBox="0 0 ${W} ${H}" width="100%" data-bucket-seconds="${r.timeline.bucketSeconds}">
<line x1="${left}" y1="${H - bottom}" x2="${W - 5}" y2="${H - bottom}" stroke="#999"/><line x1="${left}" y1="10" x2="${left}" y2="${H - bottom}" stroke="#999"/>
<text x="4" y="${y(max) + 4}">${max}</text><text x="4" y="${H - bottom}">0</text>${bars}${labels}
<text x="${left}" y="${H - 6}">disclosures per ${bucketLabel(r.timeline.bucketSeconds)} (UTC)</text></svg>`;
}

function bucketLabel(s: number): string {
  if (s % 86400 === 0) return s === 86400 ? 'day' : `${s / 86400} days`;
  if (s % 3600 === 0) return s === 3600 ? 'hour' : `${s / 3600} hours`;
  return s === 60 ? 'minute' : `${s / 60} minutes`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The witness line: what it showed, only when the report was made with one. */
function witnessHtml(r: BreachReport): string {
  if (!r.witness) return '';
  const notice = witnessReportNotice(r);
  const p = r.witness.problem;
  if (notice && p) return `<dt>Witness</dt><dd id="witness" data-problem="${esc(p.kind)}" data-node="${esc(p.node)}" data-seq="${p.seq}">${esc(notice)}</dd>`;
  return `<dt>Witness</dt><dd id="witness">${esc(`${r.witness.file}: every witnessed checkpoint (${r.witness.signed}) is in the store`)}</dd>`;
}
