// Audit events besides disclosures, on both stores: the policy loaded at
// start, guard hits (a prevented leak: names recorded, never the value), and
// events other capabilities record through gw.audit.log.recordEvent().
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, DEMO_YAML } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import { parseConfig } from '../../src/config/load.js';
import { useAuditBackend } from '../helpers/audit.js';
import type { Stage } from '../../src/pipeline/stage.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { policyReloadEvent } from '../../src/audit/policy-events.js';

// A broken stage before the guard that leaks the number to every site, as the 2012 change did.
const leak: Stage = {
  name: 'leaky-maintenance-change',
  onError: 'no-enrichment',
  onRequest(flow) {
    if (flow.subscriber && flow.clientAddress === '127.0.0.1') flow.headers.push('X-Up-Calling-Line-ID', flow.subscriber.msisdn.slice(1));
    return { kind: 'continue' };
  },
};

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`audit events (${name})`, () => {
    const backend = useAuditBackend(name);

    test('policy load, guard hits and events from other capabilities are chained with the disclosures', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const loc = backend.be!.fresh();
      const lab = await startLab({
        edit: (y) => y + backend.be!.yaml(loc, { node: 'gw-e', canary: true }),
        transformPipeline: beforeGuard(leak),
      });
      try {
        const e = (await viaProxy(lab.gw.proxyAddress, 'http://news.example/')).json();
        assert.equal(e.headers['x-up-calling-line-id'], undefined, 'the guard stripped the leak');
        const before = lab.gw.policy();
        const widened = parseConfig(DEMO_YAML.replace('hosts: [my.operator.example]', 'hosts: [my.operator.example, news.example]'), 'widened.yaml');
        const after = compilePolicy(widened.config, 'widened.yaml', widened.lineOf, { material: false });
        assert.equal(await lab.gw.audit!.log.recordEvent({ type: 'canary', policyVersion: before.version, detail: { result: 'pass', sentinelHost: 'canary.example' } }), true);
        assert.equal(await lab.gw.audit!.log.recordEvent(policyReloadEvent(before, after)), true);
        // A real reload attempt (the lab's config has no file to re-read: refused, and recorded as such).
        assert.equal((await lab.gw.reload('api')).result, 'refused');
      } finally {
        await lab.close();
      }
      const store = await backend.be!.open(loc);
      try {
        const all = await store.page('gw-e', 0, 1000);
        assert.ok(
          all.some((r) => r.type === 'canary-disclosure' && r.partner === 'selfcare'),
          "the canary's synthetic disclosures are recorded, as such",
        );
        assert.ok(!all.some((r) => r.type === 'disclosure'), 'and never as a real subscriber disclosure');
        const rows = all.filter((r) => r.type !== 'canary-disclosure');
        assert.deepEqual(
          rows.map((r) => r.type),
          ['policy-load', 'canary', 'guard-hit', 'canary', 'policy-reload', 'policy-reload'],
        );
        const refused = JSON.parse(rows[5]!.detail) as { result: string; trigger: string; stage: string };
        assert.deepEqual([refused.result, refused.trigger, refused.stage], ['refused', 'api', 'read']);
        assert.equal((JSON.parse(rows[1]!.detail) as { result: string; trigger: string }).trigger, 'start', 'the canary run at start');
        const hit = rows[2]!;
        assert.equal(hit.host, 'news.example');
        const d = JSON.parse(hit.detail) as { hits: { header: string; attribute: string; reason: string; action: string }[] };
        assert.deepEqual(
          d.hits.map((h) => [h.header, h.attribute, h.action]),
          [['x-up-calling-line-id', 'msisdn', 'stripped']],
        );
        assert.ok(hit.subjectRef && hit.subjectSealed, 'whose number almost leaked is kept (encrypted)');
        assert.ok(!JSON.stringify(rows).includes('447700900123'), 'never the value');
        const load = JSON.parse(rows[0]!.detail) as { exposure: { added: number } };
        assert.equal(load.exposure.added, 4, 'the exposure the loaded policy grants (one grant per demo partner)');
        const reload = JSON.parse(rows[4]!.detail) as { exposure: { changes: { partner: string; hosts: string[]; grant: string; change: string }[] } };
        assert.deepEqual(reload.exposure.changes, [
          { partner: 'selfcare', hosts: ['my.operator.example', 'news.example'], grant: 'msisdn/raw', change: 'added' },
          { partner: 'selfcare', hosts: ['my.operator.example'], grant: 'msisdn/raw', change: 'removed' },
        ]);
      } finally {
        await store.close();
      }
    });
  });
}
