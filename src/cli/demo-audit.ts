// The demo runs with the disclosure audit on, as a production gateway should:
// a SQLite store and freshly generated audit keys in a private temporary
// folder, added to the demo config when it has no audit: section of its own.
// The combined config is written there too, so `hedge audit verify|report -c`
// can be pointed at it while the demo runs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAuditKeys } from '../audit/keys.js';
import type { LoadedConfig } from '../config/load.js';
import { loadOrExit } from './load-or-exit.js';

export interface DemoAudit {
  loaded: LoadedConfig;
  /** The config file with the audit section, for the audit CLI. */
  configFile: string;
  remove(): void;
}

export function withDemoAudit(loaded: LoadedConfig): DemoAudit | undefined {
  if (loaded.config.audit !== undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'hedge-demo-'));
  const keyFile = join(dir, 'audit.key');
  const signingKeyFile = join(dir, 'audit-signing.pem');
  generateAuditKeys(keyFile, signingKeyFile);
  const text = readFileSync(loaded.file, 'utf8').replace(/\s*$/, '\n');
  const section = `\naudit:\n  store: ${JSON.stringify(`sqlite:${join(dir, 'audit.db')}`)}\n  keyFile: ${JSON.stringify(keyFile)}\n  signingKeyFile: ${JSON.stringify(signingKeyFile)}\n  node: demo\n`;
  const configFile = join(dir, 'demo.yaml');
  writeFileSync(configFile, text + section);
  return { loaded: loadOrExit(configFile), configFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
