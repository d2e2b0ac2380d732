// A partner's `until:` passing while the gateway runs: the partner stops
// receiving anything at that moment, and the gateway logs it (warned at expiry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { scheduleExpiryWarnings } from '../../src/policy/expiry.js';
import { enrich } from '../../src/pipeline/stages/enrich.js';
import { makeFlow } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';
import { createLogger } from '../../src/shared/log.js';

test('grants stop and a warning is logged when until: passes', async () => {
  const until = new Date(Date.now() + 1500).toISOString();
  const loaded = parseConfig(
    `operator: { name: X, country: GB }
partners:
  - id: shortlived
    name: Short-lived
    purpose: test
    legalBasis: consent
    until: "${until}"
    hosts: [a.example]
    send:
      - { attribute: age-verified, header: X-Age-Verified }
`,
    'x.yaml',
  );
  assert.deepEqual(loaded.warnings, [], 'not yet expired: no warning at load');
  const policy = compilePolicy(loaded.config, 'x.yaml', loaded.lineOf, { material: false });
  const lines: string[] = [];
  const cancel = scheduleExpiryWarnings(policy, createLogger({ write: (l) => lines.push(l) }));
  const stage = enrich();
  const flowFor = () =>
    makeFlow({ policy, url: 'http://a.example/', clientAddress: '10.0.0.1', partner: 'shortlived', subscriber: { msisdn: '+447700900123', ageVerified: true } });
  try {
    const before = flowFor();
    stage.onRequest(before);
    assert.equal(before.disclosures.length, 1, 'active before until:');
    const line = await waitFor('the warning at expiry', () => lines.find((l) => l.includes('partner grants expired')));
    assert.equal((JSON.parse(line) as { partner: string }).partner, 'shortlived');
    const after = flowFor();
    stage.onRequest(after);
    assert.equal(after.disclosures.length, 0, 'nothing after until:');
  } finally {
    cancel();
  }
});
