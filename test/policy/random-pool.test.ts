// The pool's nonces: 128 bits from the CSPRNG pool, encoded exactly as
// Buffer's base64url would (22 characters, no padding), never repeating.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { base64url16, randomNonce128 } from '../../src/policy/random-pool.js';

test('base64url16 is Buffer base64url of the 16 bytes at the offset', () => {
  for (let i = 0; i < 20_000; i++) {
    const b = randomBytes(21);
    const o = i % 6;
    assert.equal(base64url16(b, o), b.subarray(o, o + 16).toString('base64url'));
  }
  assert.equal(base64url16(Buffer.alloc(16), 0), 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(base64url16(Buffer.alloc(16, 0xff), 0), '_____________________w');
});

test('randomNonce128: 22 base64url characters, 16 bytes, no repeats across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5_000; i++) {
    const n = randomNonce128();
    assert.match(n, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(n, 'base64url').length, 16);
    seen.add(n);
  }
  assert.equal(seen.size, 5_000);
});
