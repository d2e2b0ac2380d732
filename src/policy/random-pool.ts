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

/** The base64url alphabet (RFC 4648 §5) as character codes. */
const B64URL = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', (c) => c.charCodeAt(0));

/**
 * A 128-bit nonce from the pool, base64url without padding (22 characters):
 * exactly `randomSlice(16).toString('base64url')`, encoded here in one string
 * allocation instead of a Buffer view and a call into C++ per signed request.
 */
export function randomNonce128(): string {
  if (offset + 16 > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const o = offset;
  offset += 16;
  return base64url16(POOL, o);
}

/** base64url (no padding) of the 16 bytes at b[o..o+16): five 3-byte groups, then one byte in two characters. */
export function base64url16(b: Uint8Array, o: number): string {
  const e = B64URL;
  const g0 = (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
  const g1 = (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!;
  const g2 = (b[o + 6]! << 16) | (b[o + 7]! << 8) | b[o + 8]!;
  const g3 = (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!;
  const g4 = (b[o + 12]! << 16) | (b[o + 13]! << 8) | b[o + 14]!;
  const last = b[o + 15]!;
  return String.fromCharCode(
    e[g0 >>> 18]!,
    e[(g0 >>> 12) & 63]!,
    e[(g0 >>> 6) & 63]!,
    e[g0 & 63]!,
    e[g1 >>> 18]!,
    e[(g1 >>> 12) & 63]!,
    e[(g1 >>> 6) & 63]!,
    e[g1 & 63]!,
    e[g2 >>> 18]!,
    e[(g2 >>> 12) & 63]!,
    e[(g2 >>> 6) & 63]!,
    e[g2 & 63]!,
    e[g3 >>> 18]!,
    e[(g3 >>> 12) & 63]!,
    e[(g3 >>> 6) & 63]!,
    e[g3 & 63]!,
    e[g4 >>> 18]!,
    e[(g4 >>> 12) & 63]!,
    e[(g4 >>> 6) & 63]!,
    e[g4 & 63]!,
    e[last >>> 2]!,
    e[(last & 3) << 4]!,
  );
}
