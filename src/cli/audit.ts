// hedge audit …: the tamper-evident disclosure audit (one file per subcommand).
import type { Command } from 'commander';
import { registerAuditVerify } from './audit-verify.js';
import { registerAuditReport } from './audit-report.js';
import { registerAuditPurge } from './audit-purge.js';
import { registerAuditKeygen } from './audit-keygen.js';
import { registerAuditVerifyReport } from './audit-verify-report.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('verify, report on and purge the disclosure audit');
  registerAuditVerify(audit);
  registerAuditReport(audit);
  registerAuditPurge(audit);
  registerAuditKeygen(audit);
  registerAuditVerifyReport(audit);
}
