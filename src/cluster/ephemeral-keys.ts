// Per-run keys for a cluster started without keys.file: generated once by the
// primary into a private (0700 directory, 0600 file) temporary key file that the
// workers read at start, and removed when the cluster stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, writeKeyFile } from '../keys/keyfile.js';
import { EPHEMERAL_KEYS_ENV } from '../keys/material.js';

export function shareEphemeralKeys(): { env: Record<string, string>; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-keys-'));
  const file = join(dir, 'keys.json');
  writeKeyFile(file, generateKeyFile());
  return { env: { [EPHEMERAL_KEYS_ENV]: file }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
