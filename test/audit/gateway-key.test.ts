// Checkpoints signed with the gateway key (keys.file) when no dedicated audit
// signing key is configured; after `hedge keys rotate` both the old and the
// new key's checkpoints verify. Runs on both stores.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, viaProxy, DEMO_YAML } from '../helpers/gateway.js';
import { hedgeCli, writeConfig } from '../helpers/audit.js';
import { useAuditBackend } from '../helpers/audit.js';
import { generateKeyFile, readKeyFile, rotateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`checkpoints signed by the gateway key (${name})`, () => {
    const backend = useAuditBackend(name);

    test('verify accepts checkpoints from every key in the key file, across a rotation', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const keys = join(backend.be!.dir, `hedge-keys-${Date.now()}.json`);
      writeKeyFile(keys, generateKeyFile());
      const loc = backend.be!.fresh();
      const section = (node: string) =>
        `\nkeys:\n  file: ${JSON.stringify(keys)}\n` + backend.be!.yaml(loc, { node, checkpointEveryRecords: 2 }).replace(/ {2}signingKeyFile: .*\n/, '');
      const run = async (node: string) => {
        const lab = await startLab({ edit: (y) => y + section(node) });
        try {
          for (let i = 0; i < 3; i++) assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).status, 200);
        } finally {
          await lab.close();
        }
      };
      await run('gw-k1');
      writeKeyFile(keys, rotateKeyFile(readKeyFile(keys), 86_400_000), true);
      await run('gw-k2');
      const cfg = writeConfig(backend.be!.dir, `gateway-key-${Date.now()}.yaml`, DEMO_YAML + section('cli'));
      const r = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const kids = readKeyFile(keys).signing.map((k) => k.kid);
      assert.match(r.stdout, new RegExp(`checked with key\\(s\\) ${kids[0]}, ${kids[1]}`));
      assert.match(r.stdout, /OK: 8 records in 2 chain/);

      // A key file without the old key can no longer vouch for the old chain.
      const only = join(backend.be!.dir, `hedge-keys-new-${Date.now()}.json`);
      const kf = readKeyFile(keys);
      writeKeyFile(only, { ...kf, signing: [kf.signing[0]!] });
      const cfg2 = writeConfig(backend.be!.dir, `gateway-key-new-${Date.now()}.yaml`, DEMO_YAML + section('cli').replace(keys, only));
      const bad = await hedgeCli(['audit', 'verify', '-c', cfg2]);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      assert.match(bad.stdout, /FAIL \(checkpoint\): checkpoint gw-k1#\d+ .* has no valid signature by the gateway key/);
    });
  });
}
