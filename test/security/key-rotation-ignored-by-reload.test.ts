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
import { Registry } from 'prom-client';
import { PolicyReloader } from '../../src/node/reload.js';
import { buildPipeline, type Pipeline } from '../../src/pipeline/index.js';
import { Alerts } from '../../src/alerts/alerts.js';
import { MemoryBindingStore } from '../../src/identity/memory-store.js';
import { loadConfigFile } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { generateKeyFile, readKeyFile, rotateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';
import { silentLogger } from '../../src/shared/log.js';
import { writeConfig } from '../helpers/hedge-process.js';
import { PIPELINE_YAML } from '../helpers/pipeline.js';

test('a reload after `hedge keys rotate` puts the new signing key in force', async () => {
  const cfg = writeConfig(PIPELINE_YAML.replace('partners:\n', 'keys: { file: keys.json }\npartners:\n'));
  const keyFile = join(cfg.file, '..', 'keys.json');
  try {
    writeKeyFile(keyFile, generateKeyFile());
    const loaded = loadConfigFile(cfg.file);
    const bindings = new MemoryBindingStore();
    const build = (policy: Pipeline['policy']) => buildPipeline({ policy, bindings, guardHits: () => {} });
    let current = build(compilePolicy(loaded.config, loaded.file, loaded.lineOf));
    const registry = new Registry();
    const reloader = new PolicyReloader({
      file: cfg.file,
      startedWith: loaded.config,
      current: () => current,
      build,
      swap: (next) => (current = next),
      canary: undefined,
      alerts: new Alerts({ log: silentLogger, registry }),
      registry,
      log: silentLogger,
    });
    const oldKid = current.policy.material!.signing.kid;

    const rotated = rotateKeyFile(readKeyFile(keyFile), 3_600_000);
    writeKeyFile(keyFile, rotated, true);
    const res = await reloader.reload('sighup');
    assert.equal(res.result, 'applied', 'a rotated key file is a change');
    assert.equal(current.policy.material!.signing.kid, rotated.signing[0]!.kid, 'the new key signs');
    assert.notEqual(current.policy.material!.signing.kid, oldKid);
    assert.deepEqual(
      current.policy.material!.jwks.keys.map((k) => k.kid),
      [rotated.signing[0]!.kid, oldKid],
      'the old key is still published for the overlap',
    );
    assert.equal((await reloader.reload('sighup')).result, 'unchanged', 'the same files again change nothing');
  } finally {
    cfg.cleanup();
  }
});
