// Threat: a compromised or retiring key stays in service after the operator
// rotated it. The docs say a reload applies `keys`, but a reload compared only
// the policy version, a hash of the partners and the stripped headers: after
// `hedge keys rotate` (a new signing, token and pseudonym key in keys.file), a
// reload answered "unchanged" and the gateway went on signing with the old
// key until a restart. A reload now also compares the key material it read
// (the key file, partner CA files, front-door client JWKS files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateKeyFile, readKeyFile, rotateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';
import { PIPELINE_YAML } from '../helpers/pipeline.js';
import { reloaderFor } from '../helpers/reloader.js';

test('a reload after `hedge keys rotate` puts the new signing key in force', async () => {
  const r = reloaderFor(PIPELINE_YAML.replace('partners:\n', 'keys: { file: keys.json }\npartners:\n'), (file) => writeKeyFile(join(file, '..', 'keys.json'), generateKeyFile()));
  const keyFile = join(r.file, '..', 'keys.json');
  const { reloader } = r;
  try {
    const oldKid = r.current().policy.material!.signing.kid;

    const rotated = rotateKeyFile(readKeyFile(keyFile), 3_600_000);
    writeKeyFile(keyFile, rotated, true);
    const res = await reloader.reload('sighup');
    assert.equal(res.result, 'applied', 'a rotated key file is a change');
    assert.equal(r.current().policy.material!.signing.kid, rotated.signing[0]!.kid, 'the new key signs');
    assert.notEqual(r.current().policy.material!.signing.kid, oldKid);
    assert.deepEqual(
      r.current().policy.material!.jwks.keys.map((k) => k.kid),
      [rotated.signing[0]!.kid, oldKid],
      'the old key is still published for the overlap',
    );
    assert.equal((await reloader.reload('sighup')).result, 'unchanged', 'the same files again change nothing');
  } finally {
    r.cleanup();
  }
});
