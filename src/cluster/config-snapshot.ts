// The config a --workers cluster serves, as a file the workers start from.
// Every worker used to read the config file itself at start, so a worker that
// replaced one that died served the file as edited since — a change nobody had
// reloaded (or that a reload had refused) went into service in one worker,
// without its exposure diff, canary run or audit event. The primary keeps the
// text in force instead: the one it started with, then the last one a worker
// put in force by reload, in a private file (0700 directory, 0600 file: the
// YAML may hold inline secrets) that it names to each worker it forks.
// Beside it, the text the cluster started with: a reload applies only the
// policy (partners, keys, proxy.stripHeaders) and says restartNeeded for the
// rest, so a replacement takes the policy from the first file and every other
// section (listeners, stores, audit…) from the second (config/reloadable.ts).
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { privateDirAgain } from './private-temp-dir.js';

/** The environment variable naming the snapshot to a worker (cli/start.ts reads it). */
export const CONFIG_SNAPSHOT_ENV = 'HEDGE_CONFIG_SNAPSHOT';
/** The environment variable naming the config text the cluster started with (restart-only sections come from it). */
export const CONFIG_STARTED_ENV = 'HEDGE_CONFIG_STARTED';
/**
 * The environment variable giving a replacement worker the policy the cluster serves ({version, fingerprint} as
 * JSON). The text above is the primary's copy, but secret files, keys.file, partner CA and client JWKS files are
 * read from disk at start: one changed since the last reload would put unreviewed material in service in that one
 * worker. A worker that reads another policy refuses to start (node/cluster-worker.ts).
 */
export const POLICY_IN_FORCE_ENV = 'HEDGE_POLICY_IN_FORCE';

/** The policy a cluster serves, as a replacement worker must find it. */
export interface PolicyInForce {
  version: string;
  fingerprint: string | undefined;
}

export interface ConfigSnapshot {
  /** For cluster.fork: where the worker reads its config. */
  env: Record<string, string>;
  /** A reload put this text in force: workers started from now on start with it. Throws (errno, path) when it cannot be kept. */
  update(text: string): void;
  /** Writes the files again if they are gone (before a fork); throws (errno, path) when it cannot. */
  ensure(): void;
  /** The text in force (what update() last kept, or the one the cluster started with). */
  text(): string;
  remove(): void;
}

export function configSnapshot(text: string): ConfigSnapshot {
  let dir = mkdtempSync(join(tmpdir(), 'hedge-config-'));
  let file = join(dir, 'config.yaml');
  let started = join(dir, 'started.yaml');
  let inForce = text;
  let n = 0;
  const put = (path: string, t: string) => {
    // Replaced by rename, so a worker starting meanwhile reads the old text or the new, never half of one.
    const tmp = join(dir, `${basename(path)}.${n++}`);
    writeFileSync(tmp, t, { mode: 0o600 });
    renameSync(tmp, path);
  };
  // A temporary-file cleaner (systemd-tmpfiles ages /tmp entries, after 10 days on many systems) may remove the folder of a
  // cluster that ran that long untouched: a reload then failed to keep its text, and every replacement worker
  // failed to start. The texts are held here too, so the files are written again — in that folder only while it is
  // still ours and private, else in a new one (private-temp-dir.ts: anyone may have made that name since).
  const ensure = () => {
    const now = privateDirAgain(dir, 'hedge-config-');
    if (now !== dir) {
      dir = now; // the other folder is someone else's: left alone
      file = env[CONFIG_SNAPSHOT_ENV] = join(dir, 'config.yaml');
      started = env[CONFIG_STARTED_ENV] = join(dir, 'started.yaml');
    }
    if (!existsSync(started)) put(started, text);
    if (!existsSync(file)) put(file, inForce);
  };
  put(file, text);
  put(started, text);
  const env = { [CONFIG_SNAPSHOT_ENV]: file, [CONFIG_STARTED_ENV]: started };
  return {
    env,
    update(t) {
      ensure();
      put(file, t);
      inForce = t;
    },
    ensure,
    text: () => inForce,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
