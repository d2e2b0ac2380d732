// Threat: the per-run key file of a --workers cluster without keys.file lives
// in a private folder under the temporary directory, whose name any local user
// can list. Once a temporary-file cleaner removed it, the primary wrote it
// again under the same name before a fork — into whatever was there by then:
// a folder another user created in the meantime, with their own keys.json in
// it (the replacement worker then signs with keys that user knows), or links
// where the primary writes its key. The folder is used again only if it is
// still the primary's and private; otherwise the keys go to a new private one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shareEphemeralKeys } from '../../src/cluster/ephemeral-keys.js';
import { EPHEMERAL_KEYS_ENV } from '../../src/keys/material.js';
import { CONFIG_SNAPSHOT_ENV, CONFIG_STARTED_ENV, configSnapshot } from '../../src/cluster/config-snapshot.js';

test('a per-run key folder removed and made again by someone else (open to all, their keys.json inside) is not used', () => {
  const keys = shareEphemeralKeys();
  const first = keys.env[EPHEMERAL_KEYS_ENV]!;
  const dir = dirname(first);
  const ours = readFileSync(first, 'utf8');
  try {
    rmSync(dir, { recursive: true, force: true }); // the cleaner
    mkdirSync(dir); // someone else, at once
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'keys.json'), '{"keys":[]}\n', { mode: 0o644 });
    keys.ensure();
    const file = keys.env[EPHEMERAL_KEYS_ENV]!;
    assert.equal(readFileSync(file, 'utf8'), ours, 'the workers read the primary’s keys');
    assert.notEqual(dirname(file), dir, 'in a folder of its own');
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    keys.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a per-run key folder removed and free: made again under its name, private, with the same keys', () => {
  const keys = shareEphemeralKeys();
  const file = keys.env[EPHEMERAL_KEYS_ENV]!;
  const ours = readFileSync(file, 'utf8');
  try {
    rmSync(dirname(file), { recursive: true, force: true });
    keys.ensure();
    assert.equal(keys.env[EPHEMERAL_KEYS_ENV], file);
    assert.equal(readFileSync(file, 'utf8'), ours);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
  } finally {
    keys.remove();
  }
});

test('the config snapshot folder, removed and made again by someone else, is not used either', () => {
  const snap = configSnapshot('ours: true\n');
  const first = snap.env[CONFIG_SNAPSHOT_ENV]!;
  const dir = dirname(first);
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'config.yaml'), 'theirs: true\n');
    writeFileSync(join(dir, 'started.yaml'), 'theirs: true\n');
    snap.ensure();
    assert.equal(readFileSync(snap.env[CONFIG_SNAPSHOT_ENV]!, 'utf8'), 'ours: true\n');
    assert.equal(readFileSync(snap.env[CONFIG_STARTED_ENV]!, 'utf8'), 'ours: true\n');
    assert.equal(statSync(dirname(snap.env[CONFIG_SNAPSHOT_ENV]!)).mode & 0o777, 0o700);
  } finally {
    snap.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
