// Per-run keys for a cluster started without keys.file: generated once by the
// primary into a private (0700 directory, 0600 file) temporary key file that the
// workers read at start, and removed when the cluster stops.
// A temporary-file cleaner (systemd-tmpfiles, tmpreaper) may remove that file
// from a cluster that ran long enough: every replacement worker then failed to
// start. The primary keeps the material and writes the file again before each
// fork (ensure()), so a replacement signs with the key the others sign with —
// in its folder only while that is still the primary's own and private, else
// in a new one (private-temp-dir.ts: anyone may have made that name since).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, writeKeyFile } from '../keys/keyfile.js';
import { EPHEMERAL_KEYS_ENV } from '../keys/material.js';
import { privateDirAgain } from './private-temp-dir.js';

export interface EphemeralKeys {
  /** For cluster.fork: where the worker reads the per-run keys. */
  env: Record<string, string>;
  /** Writes the file again if it is gone (before a fork); throws (errno, path) when it cannot. */
  ensure(): void;
  remove(): void;
}

export function shareEphemeralKeys(): EphemeralKeys {
  let dir = mkdtempSync(join(tmpdir(), 'hedge-keys-'));
  let file = join(dir, 'keys.json');
  const keys = generateKeyFile();
  writeKeyFile(file, keys);
  const env = { [EPHEMERAL_KEYS_ENV]: file };
  return {
    env,
    ensure() {
      const now = privateDirAgain(dir, 'hedge-keys-');
      if (now !== dir) {
        dir = now; // the other folder is someone else's: left alone
        file = env[EPHEMERAL_KEYS_ENV] = join(dir, 'keys.json');
      }
      if (existsSync(file)) return;
      writeKeyFile(file, keys, true); // 0600, by rename: a worker starting meanwhile never reads half a file
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
