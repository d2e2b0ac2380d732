// Scanner output: an aligned table for people, JSON for scripts.
import type { ScanFinding } from './scan.js';

export interface ScanSummary {
  files: { file: string; format: string; requests: number; problems: number }[];
  requests: number;
  findings: ScanFinding[];
  counts: { identity: number; tracking: number; device: number };
}

export function summarise(files: ScanSummary['files'], findings: ScanFinding[]): ScanSummary {
  const counts = { identity: 0, tracking: 0, device: 0 };
  for (const f of findings) counts[f.kind]++;
  return { files, requests: files.reduce((n, f) => n + f.requests, 0), findings, counts };
}

export function formatTable(s: ScanSummary): string {
  const lines: string[] = [];
  if (s.findings.length === 0) lines.push(`no leaks found in ${s.requests} request(s)`);
  else {
    const rows = s.findings.map((f) => [
      f.request.source,
      `${f.request.method} ${f.request.url}`,
      f.where === 'header' ? f.name : `url ${f.name}`,
      f.kind,
      f.what + (f.encoding ? ` (${f.encoding})` : ''),
      f.confidence,
      f.value,
    ]);
    const head = ['SOURCE', 'REQUEST', 'HEADER / URL PART', 'KIND', 'WHAT', 'CONFIDENCE', 'VALUE (masked)'];
    const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
    const fmt = (r: string[]) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : fit(c, widths[i]!).padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    lines.push(fmt(head), ...rows.map(fmt));
    lines.push('', `${s.findings.length} finding(s) in ${s.requests} request(s): ${s.counts.identity} identity, ${s.counts.tracking} tracking, ${s.counts.device} device`);
  }
  return lines.join('\n') + '\n';
}

function fit(s: string, w: number): string {
  return s.length <= w ? s : s.slice(0, w - 1) + '…';
}
