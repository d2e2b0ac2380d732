// Inline secrets: fine in a lab whose proxy serves only this machine, a risk
// anywhere else (the YAML ends up in version control, tickets and backups).
// Outside loopback each inline secret is a warning naming the key and the fix.
import type { Config } from './schema.js';
import { parseListen } from './schema.js';
import { dotted, type KeyPath } from './key-path.js';
import type { ConfigIssue } from '../shared/errors.js';
import type { SecretUse } from './secret.js';
import { isLoopbackHost as isLoopback } from './admin-exposure.js';

/** A config is a lab/demo config when its proxy listens on loopback only. */
export function isLabConfig(config: Config): boolean {
  const p = parseListen(config.proxy.listen);
  return p !== undefined && isLoopback(p.host);
}

export function inlineSecretIssues(config: Config, uses: readonly SecretUse[], file: string, lineOf: (p: KeyPath) => number): ConfigIssue[] {
  if (isLabConfig(config)) return [];
  return uses
    .filter((u) => u.source === 'inline' && !isHarmless(u, config))
    .map((u) => ({
      file,
      line: lineOf(u.path),
      column: 1,
      key: dotted(u.path),
      message: 'a secret is written inline in the config file; use { file: PATH } or { env: NAME } (docs/config.md#secrets)',
      severity: 'warning' as const,
    }));
}

// `subscribers.store: memory` and `audit.store: sqlite:PATH` carry no credential.
function isHarmless(u: SecretUse, config: Config): boolean {
  const key = dotted(u.path);
  if (key === 'subscribers.store') return !/\/\/[^/@]*@/.test(config.subscribers.store);
  if (key === 'audit.store') return !/\/\/[^/@]*@/.test(config.audit?.store ?? '');
  return false;
}
