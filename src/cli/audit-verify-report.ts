// hedge audit verify-report FILE: checks a breach report's own seal (its
// SHA-256 and the gateway key's signature). Exit 0 intact, 1 changed or not
// signed by that key, 2 on error. A regulator without the gateway's config
// passes the public key the operator published (--public-key).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { runAuditCommand } from './audit-context.js';
import { loadOrExit } from './load-or-exit.js';
import { checkpointVerifier } from '../audit/gateway-key.js';
import { loadVerifier } from '../audit/keys.js';
import { verifyReportSeal } from '../audit/report-seal.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

interface VerifyReportOptions {
  config?: string;
  publicKey?: string;
}

export function registerAuditVerifyReport(audit: Command): void {
  audit
    .command('verify-report <file>')
    .description('check that a breach report is exactly as hedge signed it (its own hash, signed by the gateway key)')
    .option('-c, --config <file>', 'gateway config: verify with its signing key(s)')
    .option('--public-key <file>', 'verify with this Ed25519 public key (PEM)')
    .action((file: string, o: VerifyReportOptions) =>
      runAuditCommand(async () => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new HedgeError(ErrorCodes.AUDIT_REPORT, `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        let verifier;
        if (o.publicKey !== undefined) verifier = loadVerifier(o.publicKey);
        else if (o.config !== undefined) {
          const loaded = loadOrExit(o.config);
          if (!loaded.config.audit) throw new HedgeError(ErrorCodes.AUDIT_REPORT, `${o.config}: no audit: section (the keys reports are signed with)`);
          verifier = checkpointVerifier(loaded.config, loaded.file);
        } else throw new HedgeError(ErrorCodes.AUDIT_REPORT, 'give the key to check with: -c CONFIG or --public-key FILE');
        const r = verifyReportSeal(text, verifier);
        if (r.ok) console.log(`OK: ${file} is intact (sha256 ${r.seal!.sha256}), signed by key ${r.seal!.keyId}`);
        else console.log(`FAIL: ${file}: ${r.reason}`);
        return r.ok ? 0 : 1;
      }),
    );
}
