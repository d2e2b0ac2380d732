// hedge audit keygen: create the audit key (encrypts numbers in the store) and
// the Ed25519 checkpoint signing key, mode 0600, never overwriting.
import type { Command } from 'commander';
import { generateAuditKeys } from '../audit/keys.js';

export function registerAuditKeygen(audit: Command): void {
  audit
    .command('keygen')
    .description('create a new audit key and checkpoint signing key (files must not exist)')
    .requiredOption('--key-file <file>', 'where to write the audit key (audit.keyFile)')
    .requiredOption('--signing-key-file <file>', 'where to write the Ed25519 signing key (audit.signingKeyFile)')
    .action((o: { keyFile: string; signingKeyFile: string }) => {
      try {
        generateAuditKeys(o.keyFile, o.signingKeyFile);
      } catch (err) {
        console.error(`cannot write keys: ${(err as NodeJS.ErrnoException).code === 'EEXIST' ? 'a key file already exists (never overwritten)' : (err as Error).message}`);
        process.exitCode = 2;
        return;
      }
      console.log(`wrote ${o.keyFile} and ${o.signingKeyFile} (mode 0600); keep copies: without the audit key no report can name the subscribers`);
    });
}
