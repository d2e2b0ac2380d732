// Threat: a secret reference that holds the gateway. `{ file: PATH }` is read at
// start and at every reload, inside the running gateway. A path naming a FIFO
// (a named pipe nobody writes to) blocked the open for ever, so the reload —
// and every request behind it — hung; a device such as /dev/zero was read
// until memory ran out (8 GB in 20 s with `policy validate`). The same held for
// the files a policy reads (keys.file, a partner's ca, a client's jwksFile). A
// secret file is now a regular file of at most 64 KiB, the others of at most
// 1 MiB, else a config error naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { writeConfig } from '../helpers/hedge-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const yaml = (path: string) => `operator: { name: Test Mobile, country: GB }
partners:
  - id: sealed
    name: Sealed partner
    purpose: billing
    legalBasis: contract
    hosts: [pay.sealed.example]
    key: { file: ${path} }
    send:
      - { attribute: msisdn, form: sealed, header: X-Sealed }
`;

test('a secret file that is a FIFO is refused at once with the key, not waited on for ever', () => {
  const cfg = writeConfig(yaml('secret.fifo'));
  try {
    execFileSync('mkfifo', [join(cfg.file, '..', 'secret.fifo')]);
    // A child process: on the old code the open blocks the whole process, which only a kill ends.
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'policy', 'validate', cfg.file], { timeout: 20_000, encoding: 'utf8' });
    assert.equal(r.signal, null, 'policy validate did not return within 20 s');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /partners\[0\]\.key: cannot use .*secret\.fifo as a secret file: not a regular file/);
  } finally {
    cfg.cleanup();
  }
});

test('a key file (keys.file, read again at every reload) that is a FIFO is refused at once, naming keys.file', () => {
  const cfg = writeConfig(yaml('sealed.key').replace('partners:\n', 'keys: { file: keys.fifo }\npartners:\n'));
  try {
    writeFileSync(join(cfg.file, '..', 'sealed.key'), 'M0VDVnpKIoeAdLXbzFHPzK4HHZFPEmeblYsMuydjEFM\n', { mode: 0o600 });
    execFileSync('mkfifo', [join(cfg.file, '..', 'keys.fifo')]);
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'policy', 'validate', cfg.file], { timeout: 20_000, encoding: 'utf8' });
    assert.equal(r.signal, null, 'policy validate did not return within 20 s');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /keys\.file: cannot use key file .*keys\.fifo: not a regular file/);
  } finally {
    cfg.cleanup();
  }
});

test('a secret file larger than 64 KiB is refused, naming the key and the bound', () => {
  const cfg = writeConfig(yaml('big.key'));
  try {
    writeFileSync(join(cfg.file, '..', 'big.key'), 'A'.repeat(70_000));
    assert.throws(
      () => loadConfigFile(cfg.file),
      (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.key === 'partners[0].key' && /larger than 65536 bytes/.test(i.message)),
    );
  } finally {
    cfg.cleanup();
  }
});
