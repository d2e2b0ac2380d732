// Semantic checks of the `audit:` section: a store hedge can open and key
// files that exist (paths relative to the config file's folder).
import type { Config } from '../config/schema.js';
import { dotted, type KeyPath } from './key-path.js';
import type { ConfigIssue } from '../shared/errors.js';
import { unreadablePath } from './config-path.js';

export function auditIssues(config: Config, file: string, lineOf: (p: KeyPath) => number): ConfigIssue[] {
  const a = config.audit;
  if (!a) return [];
  const issues: ConfigIssue[] = [];
  const add = (path: KeyPath, message: string) => issues.push({ file, line: lineOf(path), column: 1, key: dotted(path), message, severity: 'error' });
  if (!isAuditStoreSpec(a.store)) add(['audit', 'store'], 'unsupported audit store; use sqlite:PATH or a postgres:// URL');
  if (a.signingKeyFile === undefined && !config.keys) add(['audit'], 'audit checkpoints need a signing key: set keys.file (the gateway key) or audit.signingKeyFile');
  for (const k of ['keyFile', 'signingKeyFile'] as const) {
    const v = a[k];
    if (v === undefined) continue;
    const p = unreadablePath(file, v);
    if (p !== undefined) add(['audit', k], `cannot read ${p} (create keys with "hedge audit keygen")`);
  }
  return issues;
}

/** True when `spec` names a store this build supports (config validation). */
export function isAuditStoreSpec(spec: string): boolean {
  return /^sqlite:.+/.test(spec) || /^postgres(ql)?:\/\//.test(spec);
}
