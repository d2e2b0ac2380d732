// Key files for tests: a fresh operator key file in a temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, writeKeyFile, type KeyFile } from '../../src/keys/keyfile.js';

export function tempKeyFile(): { file: string; keys: KeyFile; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-keys-'));
  const file = join(dir, 'keys.json');
  const keys = generateKeyFile();
  writeKeyFile(file, keys);
  return { file, keys, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Edits the demo YAML to use a key file (absolute path). */
export function withKeys(file: string): (yaml: string) => string {
  return (y) => y.replace('\npartners:\n', `\nkeys: { file: "${file}" }\npartners:\n`);
}
