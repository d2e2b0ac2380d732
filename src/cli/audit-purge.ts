// hedge audit purge --before DATE: remove older records from every chain and
// leave a signed anchor so what remains still verifies. Destroys evidence, so it
// says what it would remove first (--dry-run stops there) and asks before it
// removes anything, unless --yes; without a terminal to ask on it refuses.
// With audit.witness.file configured, each chain's purge anchor is also
// appended to the witness (a failed append is said, and exits 1: the records
// are gone, and `hedge audit verify --witness` will not see that purge).
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { auditOptions, openAudit, runAuditCommand, type AuditCliOptions } from './audit-context.js';
import { planPurge, purgeBefore } from '../audit/purge.js';
import { keepFrom } from '../audit/consent-retention.js';
import { WitnessFile } from '../audit/witness.js';
import { configPath } from '../config/config-path.js';
import { parseTime } from '../audit/time.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

interface PurgeOptions extends AuditCliOptions {
  before: string;
  node?: string[];
  dryRun?: boolean;
  yes?: boolean;
}

export function registerAuditPurge(audit: Command): void {
  auditOptions(audit.command('purge'))
    .description('remove records older than a date (retention), leaving a signed checkpoint so the chains still verify')
    .requiredOption('--before <time>', 'remove records before this time (ISO 8601, or "90d" ago)')
    .option('--node <id...>', 'only these chains (default: all)')
    .option('--dry-run', 'print what would be removed and remove nothing')
    .option('-y, --yes', 'do not ask for confirmation (scripts, cron)')
    .action((o: PurgeOptions) =>
      runAuditCommand(async () => {
        const before = parseTime(o.before, '--before');
        const when = new Date(before).toISOString();
        const ctx = await openAudit(o);
        try {
          // A record that still carries a subscriber's standing consent choice stays, and its chain's purge stops before it:
          // this command has no chain to record the choice anew in (the gateway's retention does; consent-retention.ts).
          const keep = await keepFrom(ctx.store, before);
          const plan = await planPurge(ctx.store, before, o.node, keep);
          const total = plan.reduce((n, r) => n + r.removed, 0);
          const verb = o.dryRun ? 'would remove' : 'removes';
          for (const r of plan) console.log(`chain ${r.node}: ${verb} ${r.removed} record(s) through #${r.throughSeq}`);
          for (const [node, seq] of keep)
            if (!o.node || o.node.includes(node))
              console.log(
                `chain ${node}: keeps #${seq} and after: it records a consent choice that still applies (a gateway with audit.retentionDays records such choices anew, then purges them)`,
              );
          if (o.dryRun || total === 0) {
            console.log(`${o.dryRun ? 'dry run: ' : ''}${total} record(s) before ${when} in ${plan.length} chain(s)${o.dryRun ? '; nothing removed' : '; nothing to purge'}`);
            return 0;
          }
          if (!o.yes) {
            if (!process.stdin.isTTY)
              throw new HedgeError(ErrorCodes.AUDIT_STORE, 'audit purge removes records for good: confirm with --yes (no terminal to ask on), or look first with --dry-run');
            const rl = createInterface({ input: process.stdin, output: process.stdout });
            const answer = await rl.question(`Remove ${total} audit record(s) before ${when} for good? Type "yes" to continue: `);
            rl.close();
            if (answer.trim().toLowerCase() !== 'yes') {
              console.log('not purged');
              return 1;
            }
          }
          let witnessFailed: string | undefined;
          const witness = ctx.audit.witness && new WitnessFile({ file: configPath(ctx.file, ctx.audit.witness.file), onFailing: (code) => (witnessFailed = code) });
          const res = await purgeBefore(ctx.store, before, ctx.signer(), o.node, witness, keep);
          await witness?.close();
          for (const r of res) console.log(`chain ${r.node}: removed ${r.removed} record(s) through #${r.throughSeq}`);
          console.log(`purged ${res.reduce((n, r) => n + r.removed, 0)} record(s) before ${when} from ${res.length} chain(s)`);
          if (witness && (witnessFailed !== undefined || witness.pending > 0)) {
            console.error(`the purge anchors could not be appended to the audit witness (${witnessFailed ?? 'timeout'}): the records are purged; the witness does not show it`);
            return 1;
          }
          return 0;
        } finally {
          await ctx.store.close();
        }
      }),
    );
}
