// Random bytes for per-request nonces and IVs without a syscall per request:
// one 8 KiB buffer filled by the CSPRNG, handed out in slices, refilled when
// used up. A slice must be consumed (encoded, passed to a cipher) before the
// next call, which may overwrite it.
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.alloc(8192);
let offset = POOL.length;

export function randomSlice(n: number): Buffer {
  if (offset + n > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const s = POOL.subarray(offset, offset + n);
  offset += n;
  return s;
}
