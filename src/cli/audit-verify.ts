// hedge audit verify: walk every chain in the store; exit 0 when intact, 1 at
// the first record changed, removed, inserted or reordered (named), 2 on error.
// With --witness FILE, also 1 when the store lacks a head the witness saw
// signed (`truncated`) or the witness holds a line the gateway key did not sign.
import type { Command } from 'commander';
import { auditOptions, openAudit, runAuditCommand, type AuditCliOptions } from './audit-context.js';
import { unsignedLine } from '../audit/restart.js';
import { verifyWithWitness } from '../audit/witness-check.js';

/** Why a witness line is not trusted, as the text output says it. */
const REJECTED = {
  signature: 'no valid signature by the gateway key',
  unreadable: 'not a witness checkpoint',
  incomplete: 'a last line without its end of line, not finished within the wait',
} as const;

export function registerAuditVerify(audit: Command): void {
  auditOptions(audit.command('verify'))
    .description('verify the hash chains and signed checkpoints of the whole audit store')
    .option('--public-key <file>', 'verify checkpoint signatures with this public key (default: the configured signing key)')
    .option('--witness <file>', "the audit witness (audit.witness.file, or the shipper's copy): report a chain cut back to an earlier checkpoint")
    .option('--json', 'print the result as JSON')
    .action((o: AuditCliOptions & { publicKey?: string; witness?: string; json?: boolean }) =>
      runAuditCommand(async () => {
        const ctx = await openAudit(o);
        try {
          const verifier = ctx.verifier(o.publicKey);
          let lastShown = 0;
          const started = Date.now();
          const { result: res, witness: w } = await verifyWithWitness(ctx.store, verifier, o.witness, {
            onProgress(done, total) {
              if (total < 20_000 || done - lastShown < 50_000) return;
              lastShown = done;
              console.error(`verified ${done}/${total} records (${Math.floor((done / total) * 100)}%)`);
            },
          });
          if (o.json) console.log(JSON.stringify(w ? { ...res, witness: w.summary } : res, null, 2));
          else {
            for (const c of res.chains) {
              const range = c.firstSeq === null ? 'no records' : `#${c.firstSeq}–#${c.lastSeq}`;
              const purged = c.purgedThrough !== null ? `, purged through #${c.purgedThrough}` : '';
              const signed = c.lastSignedSeq !== null ? `last signed #${c.lastSignedSeq}` : 'no signed checkpoint yet';
              console.log(`chain ${c.node}: ${c.records} records ${range}${purged}; ${c.checkpoints} checkpoint(s), ${signed}; ${c.unsealed} record(s) after it`);
              // Signed since the restart, but not by the gateway that wrote them: never counted as signed.
              for (const u of c.unsignedBeforeRestart) console.log(`  UNSIGNED: ${unsignedLine(u)}`);
            }
            if (w) {
              const heads = w.summary.heads.map((h) => `${h.node}#${h.seq}${h.inStore ? '' : ' (not in the store)'}`).join(', ') || 'none';
              console.log(
                `witness ${w.summary.file}: ${w.summary.signed} signed checkpoint(s) of ${w.summary.lines} line(s), ${w.summary.notInStore} not in the store; highest: ${heads}`,
              );
              for (const r of w.summary.rejected) console.log(`  NOT TRUSTED: line ${r.line}${r.node !== null ? ` (${r.node}#${r.seq})` : ''}: ${REJECTED[r.reason]}`);
              for (const line of w.summary.cutShort)
                console.log(`  note: line ${line} is the beginning of a later line: an append cut short (a full disk?) and written again whole`);
            }
            const secs = ((Date.now() - started) / 1000).toFixed(1);
            const taken = res.chains.reduce((n, c) => n + c.unsignedBeforeRestart.reduce((m, u) => m + u.records, 0), 0);
            const asFound = taken ? `; ${taken} of them taken as found after an unclean stop, not signed by the gateway that wrote them (UNSIGNED above)` : '';
            if (res.ok)
              console.log(
                `OK: ${res.records} records in ${res.chains.length} chain(s) verified in ${secs}s; checkpoint signatures checked with key(s) ${verifier.describe}${asFound}${w ? '; every witnessed head is in the store' : ''}`,
              );
            else console.log(`FAIL (${res.problem!.kind}): ${res.problem!.message}`);
          }
          return res.ok ? 0 : 1;
        } finally {
          await ctx.store.close();
        }
      }),
    );
}
