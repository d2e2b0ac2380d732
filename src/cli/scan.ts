// hedge scan FILE…: finds identity and tracking leaks in captured traffic
// (HAR, raw HTTP request dumps, tshark text, header lists). Exit status:
// 0 no leak of the failing kind, 1 a leak found (identity by default, so it
// can gate a deployment test), 2 bad usage or unreadable input.
import type { Command } from 'commander';
import { toE164 } from '../subscriber/normalize.js';
import { readCapture, FORMATS, type CaptureFormat } from '../scan/read-capture.js';
import { scanRequests } from '../scan/scan.js';
import { formatTable, summarise } from '../scan/format.js';
import { subscriberFinder } from '../leaks/recognise.js';
import { verdictRank, type LeakKind } from '../leaks/verdict.js';
import type { Confidence } from '../leaks/inspect.js';
import { ErrorCodes } from '../shared/errors.js';

interface ScanFlags {
  json?: boolean;
  subscriber?: string;
  imsi?: string;
  imei?: string;
  country?: string;
  format?: string;
  minConfidence: string;
  failOn: string;
}

const KINDS = ['identity', 'tracking', 'device'];
const CONFIDENCES = ['low', 'medium', 'high'];

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('find identity and tracking leaks in captured traffic (HAR, raw HTTP dumps, tshark text, header lists); exit 1 on an identity leak')
    .argument('<files...>', 'capture files')
    .option('--json', 'print findings as JSON')
    .option('--subscriber <E164>', "also find this subscriber's number in every spelling and encoding")
    .option('--imsi <digits>', "with --subscriber: the subscriber's IMSI")
    .option('--imei <digits>', "with --subscriber: the subscriber's IMEI or IMEISV")
    .option('--country <CC>', 'ISO country whose national-format numbers count as phone numbers (e.g. GB)')
    .option('--format <format>', `read every file as ${FORMATS.join(' | ')} instead of guessing`)
    .option('--min-confidence <level>', 'report findings at or above low | medium | high', 'medium')
    .option('--fail-on <kind>', 'exit 1 when a finding of this kind or worse is found: identity | tracking | device', 'identity')
    .action((files: string[], o: ScanFlags) => {
      process.exitCode = runScan(
        files,
        o,
        (s) => process.stdout.write(s),
        (s) => process.stderr.write(s),
      );
    });
}

export function runScan(files: string[], o: ScanFlags, out: (s: string) => void, err: (s: string) => void): number {
  const usage = (m: string) => {
    err(`hedge scan: ${m}\n`);
    return 2;
  };
  if (o.format !== undefined && !(FORMATS as readonly string[]).includes(o.format)) return usage(`--format: expected one of ${FORMATS.join(', ')}`);
  if (!CONFIDENCES.includes(o.minConfidence)) return usage(`--min-confidence: expected one of ${CONFIDENCES.join(', ')}`);
  if (!KINDS.includes(o.failOn)) return usage(`--fail-on: expected one of ${KINDS.join(', ')}`);
  if (o.country !== undefined && !/^[A-Z]{2}$/.test(o.country)) return usage('--country: expected an ISO 3166-1 alpha-2 code such as GB');
  if ((o.imsi || o.imei) && !o.subscriber) return usage('--imsi and --imei need --subscriber');
  let subscriber;
  if (o.subscriber) {
    let msisdn: string;
    try {
      msisdn = toE164(o.subscriber, o.country ?? 'GB');
    } catch {
      return usage('--subscriber: not a phone number (give it in E.164, e.g. +447700900123)');
    }
    if (o.imsi !== undefined && !/^\d{14,15}$/.test(o.imsi)) return usage('--imsi: expected 14 or 15 digits');
    if (o.imei !== undefined && !/^\d{15,16}$/.test(o.imei)) return usage('--imei: expected 15 or 16 digits');
    subscriber = subscriberFinder({ msisdn, imsi: o.imsi, imei: o.imei });
  }
  // Every file is read before anything is printed: a scan that cannot read one
  // of its inputs must not print "no leaks found" first.
  const fileSummaries = [];
  const requests = [];
  let unreadable = 0;
  for (const f of files) {
    let r;
    try {
      r = readCapture(f, o.format as CaptureFormat | undefined);
    } catch (e) {
      err(`${ErrorCodes.CAPTURE_UNREADABLE} ${(e as Error).message}\n`);
      unreadable++;
      continue;
    }
    for (const p of r.problems) err(`${p.where}: ${p.message}\n`);
    if (r.requests.length === 0) {
      err(`${ErrorCodes.CAPTURE_UNREADABLE} ${f}: no requests found (read as ${r.format}; use --format to choose)\n`);
      unreadable++;
    }
    fileSummaries.push({ file: f, format: r.format, requests: r.requests.length, problems: r.problems.length });
    requests.push(...r.requests);
  }
  if (unreadable > 0) {
    err(`hedge scan: ${unreadable} of ${files.length} file(s) could not be read as captures; nothing scanned\n`);
    return 2;
  }
  const findings = scanRequests(requests, { subscriber, country: o.country, minConfidence: o.minConfidence as Confidence });
  const summary = summarise(fileSummaries, findings);
  out(o.json ? JSON.stringify(summary, null, 2) + '\n' : formatTable(summary));
  const failRank = verdictRank(o.failOn as LeakKind);
  return findings.some((f) => verdictRank(f.kind) >= failRank) ? 1 : 0;
}
