// Semantic checks of the `audit:` section: a store hedge can open and key
// files that exist (paths relative to the config file's folder).
import { accessSync, constants } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { dotted, type KeyPath } from './key-path.js';
import type { ConfigIssue } from '../shared/errors.js';

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

/** The resolved path when the file named in the config cannot be read, else undefined. */
export function unreadablePath(configFile: string, p: string): string | undefined {
  const resolved = configPath(configFile, p);
  try {
    accessSync(resolved, constants.R_OK);
    return undefined;
  } catch {
    return resolved;
  }
}

/** A path from the config, relative to the config file's folder. */
export function configPath(configFile: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(configFile), p);
}

/** True when `spec` names a store this build supports (config validation). */
export function isAuditStoreSpec(spec: string): boolean {
  return /^sqlite:.+/.test(spec) || /^postgres(ql)?:\/\//.test(spec);
}
