// Threat: a secret moved out of the YAML into a file (`key: { file: … }`), or
// the operator's private key file, that every user of the host can read (a
// umask of 022, a copy with `cp`) hands a partner's sealing key, a RADIUS
// secret, the admin token or the signing and pseudonym keys to any local
// process. The loader read such files without a word; it now warns (policy
// validate, start, reload) with the key, the file and its mode, never the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { generateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';
import { writeConfig } from '../helpers/hedge-process.js';

const KEY = 'M0VDVnpKIoeAdLXbzFHPzK4HHZFPEmeblYsMuydjEFM';
const YAML = `operator: { name: Test Mobile, country: GB }
keys: { file: hedge-keys.json }
partners:
  - id: sealed
    name: Sealed partner
    purpose: billing
    legalBasis: contract
    hosts: [pay.sealed.example]
    key: { file: sealed.key }
    send:
      - { attribute: msisdn, form: sealed, header: X-Sealed }
`;

function setUp(keyMode: number, keyFileMode: number) {
  const cfg = writeConfig(YAML);
  const dir = join(cfg.file, '..');
  writeFileSync(join(dir, 'sealed.key'), KEY + '\n');
  chmodSync(join(dir, 'sealed.key'), keyMode);
  writeKeyFile(join(dir, 'hedge-keys.json'), generateKeyFile());
  chmodSync(join(dir, 'hedge-keys.json'), keyFileMode);
  return { ...cfg, dir };
}

test('a secret file and a key file readable by every user are warned about, with key, file and mode, never the value', () => {
  const cfg = setUp(0o644, 0o604);
  try {
    const loaded = loadConfigFile(cfg.file);
    const secret = loaded.warnings.find((w) => w.key === 'partners[0].key');
    assert.ok(secret, JSON.stringify(loaded.warnings));
    assert.equal(secret.severity, 'warning');
    assert.ok(secret.line > 0);
    assert.ok(secret.message.includes(join(cfg.dir, 'sealed.key')));
    assert.match(secret.message, /read by every user of this host \(mode 0644\)/);
    assert.ok(!secret.message.includes(KEY), 'the value is not echoed');
    const keys = loaded.warnings.find((w) => w.key === 'keys.file');
    assert.ok(keys, JSON.stringify(loaded.warnings));
    assert.match(keys.message, /mode 0604/);
  } finally {
    cfg.cleanup();
  }
});

test('a secret file any user can replace is warned about as well', () => {
  const cfg = setUp(0o602, 0o600);
  try {
    const w = loadConfigFile(cfg.file).warnings.find((x) => x.key === 'partners[0].key');
    assert.match(w?.message ?? '', /replaced by every user/);
  } finally {
    cfg.cleanup();
  }
});

test('files only their owner (and group) can read load without a warning', () => {
  const cfg = setUp(0o640, 0o600);
  try {
    assert.deepEqual(
      loadConfigFile(cfg.file).warnings.filter((w) => w.key === 'partners[0].key' || w.key === 'keys.file'),
      [],
    );
  } finally {
    cfg.cleanup();
  }
});
