// Threat: a policy change that widens disclosure goes into force with no trace.
// A reload recorded its policy-reload event in the audit after swapping the
// new policy in, and did not look at the answer: with the audit store unable
// to commit, a new partner granted the raw number was in force and the change
// was in no record (the 2012 incident was such a change). A widening reload now
// waits for its audit record and is refused (stage "audit", the policy in force
// keeps serving) when it cannot be committed; a reload that only narrows
// disclosure still applies, so an emergency removal never waits on the audit.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { useAuditBackend, waitFor } from '../helpers/audit.js';
import { writeConfig } from '../helpers/hedge-process.js';

const NEWSDESK = `  - id: newsdesk
    name: Daily News subscriptions
    purpose: self-care
    legalBasis: contract
    hosts: [m.dailynews.example]
    send:
      - { attribute: msisdn, form: raw, header: X-Reader-MSISDN, cleartext: allowed }
`;

describe('a widening reload while the audit cannot commit', () => {
  const backend = useAuditBackend('sqlite');

  test('is refused at stage "audit" and the policy in force keeps serving; a narrowing reload applies', async (t) => {
    if (backend.skip) return t.skip(backend.skip);
    const origin = await startEchoOrigin('127.0.0.1', 0);
    const loc = backend.be!.fresh();
    const yaml =
      DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
        .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
        .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') + backend.be!.yaml(loc, { node: 'gw-reload', commitTimeoutMs: 400, retryAfterMs: 200, busyTimeoutMs: 20 });
    const cfg = writeConfig(yaml);
    const gw = await startGateway(loadConfigFile(cfg.file), { log: silentLogger });
    try {
      const before = (await gw.reload('api')).from;
      const lock = await backend.be!.lock(loc);
      try {
        writeFileSync(cfg.file, yaml.replace(/(partners:\n)/, `$1${NEWSDESK}`));
        const widening = await gw.reload('api');
        assert.equal(widening.result, 'refused', JSON.stringify(widening));
        assert.equal(widening.stage, 'audit');
        assert.equal(widening.exposure?.widens, true);
        const r = await viaProxy(gw.proxyAddress, 'http://m.dailynews.example/');
        assert.equal(r.json().headers['x-reader-msisdn'], undefined, 'the unrecorded change is not in force');
        assert.equal(gw.reloads().at(-1)?.from, before);

        // Removing a partner narrows disclosure: applied although the audit cannot record it.
        writeFileSync(cfg.file, yaml.replace(/ {2}- id: legacy-wap\n(?: {4}.*\n| {6}.*\n)+/, ''));
        const narrowing = await gw.reload('api');
        assert.equal(narrowing.result, 'applied', JSON.stringify(narrowing));
        assert.equal(narrowing.exposure?.widens, false);
      } finally {
        await lock.release();
      }
      writeFileSync(cfg.file, yaml.replace(/(partners:\n)/, `$1${NEWSDESK}`));
      // Once the audit commits again (after its retry delay) the same change applies.
      await waitFor('the widening reload to be recorded and applied', async () => (await gw.reload('api')).result === 'applied');
      const r = await viaProxy(gw.proxyAddress, 'http://m.dailynews.example/');
      assert.equal(r.json().headers['x-reader-msisdn'], '+447700900123');
    } finally {
      await gw.stop(200);
      await origin.close();
      cfg.cleanup();
    }
  });
});
