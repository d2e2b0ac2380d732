// A legacy partner that does not verify signatures may be configured with
// `signature: off`: it gets its grants without the signature header, the lints
// warn about it, and explain says so. Every other partner stays signed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { explainRequest } from '../../src/policy/explain.js';

const UNSIGNED_WAP = (y: string) => y.replace('    hosts: [wap.operator.example]\n', '    hosts: [wap.operator.example]\n    signature: off\n');

test('signature: off — the partner gets its grants without a signature; others stay signed', async () => {
  const lab = await startLab({ edit: UNSIGNED_WAP });
  try {
    const wap = (await viaProxy(lab.gw.proxyAddress, 'http://wap.operator.example/')).json();
    assert.equal(wap.headers['x-up-calling-line-id'], '447700900123');
    assert.equal(wap.headers['x-hedge-signature'], undefined);
    const self = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).json();
    assert.match(self.headers['signature-input'] as string, /^hedge=\(.*alg="ed25519"/);
    assert.equal(self.headers['x-hedge-signature'], undefined, 'RFC 9421 (the default) replaces X-Hedge-Signature');
  } finally {
    await lab.close();
  }
});

test('signature: off on a partner receiving an identifier is warned at load with line and partner; explain says so', () => {
  const text = UNSIGNED_WAP(DEMO_YAML);
  const loaded = parseConfig(text, 'demo.yaml');
  const w = loaded.warnings.find((i) => i.key.endsWith('signature'));
  assert.ok(w, 'a warning names the signature key');
  assert.equal(w.line, text.split('\n').findIndex((l) => l.includes('signature: off')) + 1);
  assert.match(w.message, /legacy-wap/);
  const policy = compilePolicy(loaded.config, loaded.file, loaded.lineOf);
  const e = JSON.stringify(explainRequest(policy, 'http://wap.operator.example/'));
  assert.match(e, /signature: off/);
});
