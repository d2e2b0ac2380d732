// Reading a file the config names (a secret, a key file, a CA, a JWKS) inside a
// running gateway, at start and at every reload: only a regular file (opening
// a FIFO nobody writes to blocks the whole process; /dev/zero never ends) and
// only up to a bound (one byte more is read to tell "too large").
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Thrown for a file that is not a regular file or is too large (the message says which). */
export class UnusableFileError extends Error {
  override name = 'UnusableFileError';
}

/** The file's bytes; throws UnusableFileError (not a regular file, larger than maxBytes) or the fs error (ENOENT, EACCES…). */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  if (!statSync(path).isFile()) throw new UnusableFileError('not a regular file');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) throw new UnusableFileError(`larger than ${maxBytes} bytes`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
