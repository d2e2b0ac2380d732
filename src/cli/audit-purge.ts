// hedge audit purge --before DATE: remove older records from every chain and
// leave a signed anchor so what remains still verifies.
import type { Command } from 'commander';
import { auditOptions, openAudit, runAuditCommand, type AuditCliOptions } from './audit-context.js';
import { purgeBefore } from '../audit/purge.js';
import { parseTime } from '../audit/time.js';

export function registerAuditPurge(audit: Command): void {
  auditOptions(audit.command('purge'))
    .description('remove records older than a date (retention), leaving a signed checkpoint so the chains still verify')
    .requiredOption('--before <time>', 'remove records before this time (ISO 8601, or "90d" ago)')
    .option('--node <id...>', 'only these chains (default: all)')
    .action((o: AuditCliOptions & { before: string; node?: string[] }) =>
      runAuditCommand(async () => {
        const before = parseTime(o.before, '--before');
        const ctx = await openAudit(o);
        try {
          const res = await purgeBefore(ctx.store, before, ctx.signer(), o.node);
          for (const r of res) console.log(`chain ${r.node}: removed ${r.removed} record(s) through #${r.throughSeq}`);
          console.log(`purged ${res.reduce((n, r) => n + r.removed, 0)} record(s) before ${new Date(before).toISOString()} from ${res.length} chain(s)`);
          return 0;
        } finally {
          await ctx.store.close();
        }
      }),
    );
}
