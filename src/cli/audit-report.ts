// hedge audit report: the breach report for a window — subscribers affected,
// sites, counts, first/last times — as a table, CSV, JSON or HTML page.
// Exit 0; 1 when --witness shows a chain cut back (`truncated`) or a witness
// line the gateway key did not sign, as `hedge audit verify --witness` does
// (the report is still written, saying so); 2 on error.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { auditOptions, openAudit, runAuditCommand, type AuditCliOptions } from './audit-context.js';
import { buildReport, purgeNotice, unsignedReportNotice, witnessReportNotice } from '../audit/report.js';
import { reportCsv, reportTable } from '../audit/report-text.js';
import { reportHtml } from '../audit/report-html.js';
import { sealReport, type ReportFormat } from '../audit/report-seal.js';
import { buildNotices, writeNotices } from '../audit/notices.js';
import { reportWitness, verifyWithWitness } from '../audit/witness-check.js';
import { parseTime } from '../audit/time.js';
import { compilePolicy } from '../policy/compile.js';
import { loadOrExit } from './load-or-exit.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

interface ReportCliOptions extends AuditCliOptions {
  from?: string;
  to?: string;
  partner?: string;
  host?: string;
  outsidePolicy?: string;
  format: string;
  out?: string;
  redacted?: boolean;
  detected?: string;
  notices?: string;
  contact?: string;
  witness?: string;
}

const FORMATS = ['table', 'csv', 'json', 'html'];

export function registerAuditReport(audit: Command): void {
  auditOptions(audit.command('report'))
    .description('who was disclosed to which sites in a window (numbers decrypted with the audit key)')
    .option('--from <time>', 'window start (ISO 8601, "now", or "24h" ago); default: the first disclosure in the store')
    .option('--to <time>', 'window end, exclusive; default: now')
    .option('--partner <id>', 'only this partner')
    .option('--host <pattern>', 'only hosts matching this pattern (name, *.domain, optional :port)')
    .option('--outside-policy <file>', 'only disclosures this (known-good) policy file would not have made')
    .option('--format <format>', `${FORMATS.join(', ')}`, 'table')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option('--redacted', 'no numbers: keyed references and counts only, for wider circulation')
    .option('--detected <time>', 'when the breach was detected, if not by hedge (a complaint, a press report): the deadlines run from it')
    .option('--notices <dir>', 'also write one plain-language notice per affected subscriber (notices.csv for a mail merge, and <reference>.txt)')
    .option('--contact <text>', 'where subscribers can ask questions, for the notices')
    .option('--witness <file>', "the audit witness (audit.witness.file, or the shipper's copy): say in the report when a chain was cut back to an earlier checkpoint")
    .action((o: ReportCliOptions) =>
      runAuditCommand(async () => {
        if (!FORMATS.includes(o.format)) throw new HedgeError(ErrorCodes.AUDIT_REPORT, `--format: one of ${FORMATS.join(', ')}`);
        const from = o.from !== undefined ? parseTime(o.from, '--from') : undefined;
        const to = o.to !== undefined ? parseTime(o.to, '--to') : Date.now() + 1;
        if (from !== undefined && to <= from) throw new HedgeError(ErrorCodes.AUDIT_REPORT, '--to must be after --from');
        let outsidePolicy;
        if (o.outsidePolicy !== undefined) {
          const good = loadOrExit(o.outsidePolicy);
          outsidePolicy = { policy: compilePolicy(good.config, good.file, good.lineOf), file: o.outsidePolicy };
        }
        const detectedAt = o.detected !== undefined ? parseTime(o.detected, '--detected') : undefined;
        if (o.redacted && o.notices !== undefined) throw new HedgeError(ErrorCodes.AUDIT_REPORT, '--notices name each subscriber; they cannot come from a --redacted report');
        const ctx = await openAudit(o);
        try {
          const verifier = ctx.verifier();
          // Verified once, before the report: the incident's chain statement and the witness finding are the same check as `hedge audit verify --witness`.
          const checked = await verifyWithWitness(ctx.store, verifier, o.witness);
          const witness = checked.witness && reportWitness(checked.witness);
          const report = await buildReport(ctx.store, {
            from,
            to,
            partner: o.partner,
            host: o.host,
            outsidePolicy,
            key: o.redacted ? undefined : ctx.key(),
            redacted: o.redacted,
            incident: { detectedAt, verify: async () => checked.result },
            knownPartners: ctx.partners,
            witness,
          });
          const plain =
            o.format === 'json'
              ? JSON.stringify(report, null, 2) + '\n'
              : o.format === 'csv'
                ? reportCsv(report)
                : o.format === 'html'
                  ? reportHtml(report, ctx.operator)
                  : reportTable(report);
          const text = sealReport(plain, o.format as ReportFormat, ctx.signer());
          // Every format carries it too; said here as well, where the operator running the report sees it.
          const incomplete = purgeNotice(report);
          if (incomplete) console.error(`hedge audit report: ${incomplete}`);
          const unsigned = unsignedReportNotice(report);
          if (unsigned) console.error(`hedge audit report: ${unsigned}`);
          const witnessed = witnessReportNotice(report);
          if (witnessed) console.error(`hedge audit report: ${witnessed}`);
          if (o.out) {
            writeFileSync(o.out, text, { mode: 0o600 });
            console.error(
              `${o.out}: ${report.totals.disclosures} disclosure(s), ${report.totals.subscribers} subscriber(s), ${report.totals.sites} site(s); signed (check with hedge audit verify-report)`,
            );
          } else process.stdout.write(text);
          if (o.notices !== undefined) {
            const files = writeNotices(o.notices, buildNotices(report, { operator: ctx.operator, contact: o.contact }));
            console.error(`${o.notices}: ${files.length - 1} notice(s) and notices.csv`);
          }
          return witness?.problem ? 1 : 0;
        } finally {
          await ctx.store.close();
        }
      }),
    );
}
