// The primary's private folders under the temporary directory (per-run keys,
// the config snapshot) are written again when a temporary-file cleaner removed
// them. Their names are listed in a directory every local user can write, so
// once removed, anyone may have created that name since — with their own
// files in it (keys the workers would sign with, a config they would start
// from), or links where the primary writes. A folder is used again only if it
// is still this process's user's and closed to everyone else (or is created
// anew under that name by this call); otherwise a new private one is made.
import { lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `dir` if it is (or could be made) this user's and private (0700, not a link); else a new private folder named `prefix`…. */
export function privateDirAgain(dir: string, prefix: string): string {
  try {
    mkdirSync(dir, { mode: 0o700 }); // not recursive: fails if the name exists, whoever made it
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const s = lstatSync(dir);
  const uid = process.getuid?.();
  if (s.isDirectory() && (uid === undefined || s.uid === uid) && (s.mode & 0o077) === 0) return dir;
  return mkdtempSync(join(tmpdir(), prefix));
}
