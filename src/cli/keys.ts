// hedge keys: the operator's signing and token keys, and partner keys.
//   generate FILE            new key file (mode 0600); refuses to overwrite
//   rotate FILE [--overlap]  new keys sign from now; the previous stay valid for the overlap
//   export FILE|-c CONFIG    the public JWKS partners verify signatures with
//   partner                  a fresh 32-byte partner key (base64url) for `key:` (sealed values) or `signatureSecret:` (hmac-sha256)
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { generateKeyFile, publicJwks, readKeyFile, rotateKeyFile, writeKeyFile } from '../keys/keyfile.js';
import { resolveConfigPath } from '../keys/material.js';
import { loadOrExit } from './load-or-exit.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('signing keys, token keys and partner keys');
  keys
    .command('generate')
    .description('write a new key file (Ed25519 signing key, RSA-2048 ID-token key, AES-256 token key, pseudonym root), mode 0600')
    .argument('<file>', 'key file to create')
    .action((file: string) => {
      const kf = generateKeyFile();
      writeKeyFile(file, kf);
      console.log(
        `${file}: signing key ${kf.signing[0]!.kid}, RSA ID-token key ${kf.idTokenRsa![0]!.kid}, token key ${kf.token[0]!.kid}. Set \`keys: { file: ${file} }\` in the config; publish \`hedge keys export ${file}\` to partners.`,
      );
    });
  keys
    .command('rotate')
    .description('add new keys that sign from now; the previous keys stay valid (JWKS, token resolution) for the overlap')
    .argument('<file>', 'existing key file')
    .option('--overlap <duration>', 'how long the previous keys stay valid: 30m, 24h, 7d', '24h')
    .action((file: string, o: { overlap: string }) => {
      const overlapMs = parseDuration(o.overlap);
      const next = rotateKeyFile(readKeyFile(file), overlapMs);
      writeKeyFile(file, next, true);
      console.log(
        `${file}: now signing with ${next.signing[0]!.kid} (ID tokens RS256: ${next.idTokenRsa![0]!.kid}); previous keys valid until ${new Date(Date.now() + overlapMs).toISOString()}. Reload or restart the gateways to use it.`,
      );
    });
  keys
    .command('export')
    .description('print the public JWKS (signing keys valid now)')
    .argument('[file]', 'key file')
    .option('-c, --config <file>', 'read the key file named by this config')
    .action((file: string | undefined, o: { config?: string }) => {
      let path = file;
      if (!path && o.config) {
        const loaded = loadOrExit(o.config);
        if (!loaded.config.keys) throw new Error(`${o.config}: no keys.file configured (the gateway would sign with a per-process key; its JWKS is at the admin API)`);
        path = resolveConfigPath(o.config, loaded.config.keys.file);
      }
      if (!path) throw new Error('give a key file or --config');
      console.log(JSON.stringify(publicJwks(readKeyFile(path)), null, 2));
    });
  keys
    .command('partner')
    .description(
      'print a fresh 32-byte key (base64url) for a partner `key:` (sealed values) or `signatureSecret:` (hmac-sha256 signatures); pseudonym keys never leave the operator',
    )
    .action(() => {
      console.log(randomBytes(32).toString('base64url'));
    });
}

export function parseDuration(s: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(s.trim());
  if (!m) throw new Error(`--overlap: expected a duration such as 30m, 24h or 7d, got "${s}"`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
