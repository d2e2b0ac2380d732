// What the audit subcommands share: opening the store and keys named in a
// config file's `audit:` section (or --store), with clear errors.
import type { Command } from 'commander';
import { loadOrExit } from './load-or-exit.js';
import { configPath } from '../config/config-path.js';
import { createAuditStore } from '../audit/create-store.js';
import { loadAuditKey, type AuditKey, type Signer, type SignatureVerifier } from '../audit/keys.js';
import { checkpointSigner, checkpointVerifier } from '../audit/gateway-key.js';
import type { AuditStore } from '../audit/store.js';
import type { AuditConfig } from '../config/schema.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

export interface AuditCliOptions {
  config: string;
  store?: string;
}

export interface AuditContext {
  audit: AuditConfig;
  file: string;
  operator: string;
  /** Partner ids of the config. */
  partners: string[];
  store: AuditStore;
  key(): AuditKey;
  signer(): Signer;
  verifier(publicKeyFile?: string): SignatureVerifier;
}

export function auditOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-c, --config <file>', 'gateway config with an audit: section (store and keys)')
    .option('--store <spec>', 'override audit.store (sqlite:PATH or postgres://…)');
}

export async function openAudit(o: AuditCliOptions): Promise<AuditContext> {
  const loaded = loadOrExit(o.config);
  const a = loaded.config.audit;
  if (!a) throw new HedgeError(ErrorCodes.AUDIT_STORE, `${o.config}: no audit: section (the store and keys to use)`);
  const spec = o.store ?? a.store;
  const storeSpec = spec.startsWith('sqlite:') && spec !== 'sqlite::memory:' ? `sqlite:${configPath(loaded.file, spec.slice(7))}` : spec;
  const store = createAuditStore({ store: storeSpec, schema: a.schema, busyTimeoutMs: 5000, commitTimeoutMs: 600_000 });
  try {
    await store.init();
  } catch (err) {
    await store.close();
    throw new HedgeError(ErrorCodes.AUDIT_STORE, `cannot open the audit store: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  return {
    audit: a,
    file: loaded.file,
    operator: loaded.config.operator.name,
    partners: loaded.config.partners.map((p) => p.id),
    store,
    key: () => loadAuditKey(configPath(loaded.file, a.keyFile)),
    signer: () => checkpointSigner(loaded.config, loaded.file),
    verifier: (pub) => checkpointVerifier(loaded.config, loaded.file, pub),
  };
}

/** Runs a subcommand body: HedgeErrors print their message and exit 2. */
export async function runAuditCommand(body: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (err) {
    if (!(err instanceof HedgeError)) throw err;
    console.error(`${err.code}: ${err.message}`);
    code = 2;
  }
  process.exitCode = code;
}
