// --pid-file: where `kill -HUP $(cat FILE)` finds the gateway. Written once the
// gateway is up, removed when it exits; refused when another live process owns it.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Throws when a live process other than this one holds the file. */
export function checkPidFile(file: string): void {
  const owner = ownerOf(file);
  if (owner !== undefined && owner !== process.pid && alive(owner)) throw new Error(`--pid-file ${file}: process ${owner} is running and owns it (another gateway?)`);
}

export function writePidFile(file: string): void {
  checkPidFile(file);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`, { mode: 0o644 });
  renameSync(tmp, file);
  process.on('exit', () => {
    if (ownerOf(file) === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  });
}
