// The operator key file: generated complete, written 0600 and never over an
// existing file, read back with errors that name the problem but never a key;
// rotation puts new keys in front and lets the old ones expire after the
// overlap while the pseudonym root stays (every pseudonym would change);
// per-partner pseudonym keys are distinct and stable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, publicJwks, readKeyFile, rotateKeyFile, validKeys, writeKeyFile } from '../../src/keys/keyfile.js';
import { derivePseudonymKey } from '../../src/keys/pseudonym-key.js';

function inTempDir(fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-keyfile-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('written with mode 0600, read back equal, never written over', () => {
  inTempDir((dir) => {
    const file = join(dir, 'keys.json');
    const kf = generateKeyFile();
    writeKeyFile(file, kf);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readKeyFile(file), kf);
    assert.throws(() => writeKeyFile(file, generateKeyFile()), /exists; use `hedge keys rotate/);
    assert.deepEqual(readKeyFile(file), kf, 'the first file is intact');
  });
});

test('a broken key file is refused with the problem named and no key value in the message', () => {
  inTempDir((dir) => {
    const file = join(dir, 'keys.json');
    const kf = generateKeyFile();
    writeFileSync(file, JSON.stringify({ ...kf, token: [{ ...kf.token[0], key: 'c2hvcnQ' }] }));
    assert.throws(
      () => readKeyFile(file),
      (e: Error) => /token\.0\.key: a token key is 32 bytes/.test(e.message) && !e.message.includes(kf.signing[0]!.jwk.d) && !e.message.includes('c2hvcnQ'),
    );
    writeFileSync(file, '{not json');
    assert.throws(() => readKeyFile(file), /is not valid JSON/);
    assert.throws(() => readKeyFile(join(dir, 'missing.json')), /ENOENT/);
  });
});

test('rotation: new keys first, old ones valid for the overlap, expired ones dropped, the pseudonym root kept', () => {
  const t0 = Date.parse('2030-01-01T00:00:00Z');
  const day = 86_400_000;
  const first = generateKeyFile(t0);
  const second = rotateKeyFile(first, 7 * day, t0 + day);
  assert.equal(second.signing.length, 2);
  assert.equal(second.signing[1]!.kid, first.signing[0]!.kid);
  assert.equal(second.signing[1]!.expires, new Date(t0 + 8 * day).toISOString());
  assert.equal(second.signing[0]!.expires, undefined);
  assert.deepEqual(second.pseudonym, first.pseudonym);
  // During the overlap both are published; after it only the new one, and the next rotation drops the old.
  assert.deepEqual(
    publicJwks(second, t0 + 2 * day).keys.map((k) => k.kid),
    second.signing.map((k) => k.kid),
  );
  assert.deepEqual(
    validKeys(second.signing, t0 + 9 * day).map((k) => k.kid),
    [second.signing[0]!.kid],
  );
  const third = rotateKeyFile(second, 7 * day, t0 + 9 * day);
  assert.deepEqual(
    third.signing.slice(1).map((k) => k.kid),
    [second.signing[0]!.kid],
  );
  const jwk = publicJwks(third, t0 + 9 * day).keys[0]!;
  assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'], 'public parts only');
});

test('a key file from before pseudonym keys gets a root at its next rotation', () => {
  const { pseudonym: _dropped, ...old } = generateKeyFile();
  assert.ok(rotateKeyFile(old, 0).pseudonym);
});

test('pseudonym keys: one per partner, distinct, stable for one root', () => {
  const root = Buffer.alloc(32, 7);
  const a = derivePseudonymKey(root, 'agegate');
  assert.equal(a.length, 32);
  assert.deepEqual(derivePseudonymKey(root, 'agegate'), a);
  assert.notDeepEqual(derivePseudonymKey(root, 'billing'), a);
  assert.notDeepEqual(derivePseudonymKey(Buffer.alloc(32, 8), 'agegate'), a);
});
