// Principle "fail closed": a stage that throws ends enrichment for that
// request — nothing identifying is sent — while traffic keeps flowing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy } from '../helpers/gateway.js';
import type { Stage } from '../../src/pipeline/stage.js';

test('a stage that throws after enrichment revokes what was added; the request is still served', async () => {
  const broken: Stage = {
    name: 'broken-after-enrich',
    onError: 'no-enrichment',
    onRequest(flow) {
      if (flow.disclosures.length) throw new Error('boom');
      return { kind: 'continue' };
    },
  };
  const lab = await startLab({ transformPipeline: (p) => ({ ...p, stages: [...p.stages, broken] }) });
  try {
    const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
    assert.equal(r.status, 200);
    assert.equal(r.json().headers['x-msisdn'], undefined);
    assert.match(await lab.gw.metrics.text(), /hedge_stage_errors_total\{stage="broken-after-enrich"\} 1/);
  } finally {
    await lab.close();
  }
});

test('a failing binding store means no enrichment, not a failed request', async () => {
  const lab = await startLab({
    transformPipeline: (p) => ({
      ...p,
      stages: p.stages.map((s) => (s.name === 'identify-subscriber' ? { ...s, onRequest: () => Promise.reject(new Error('store down')) } : s)),
    }),
  });
  try {
    const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
    assert.equal(r.status, 200);
    assert.equal(r.json().headers['x-msisdn'], undefined);
  } finally {
    await lab.close();
  }
});

test('if stripping spoofed headers fails, the request is refused rather than forwarded', async () => {
  const lab = await startLab({
    transformPipeline: (p) => ({
      ...p,
      stages: p.stages.map((s) =>
        s.name === 'strip-inbound-identity'
          ? {
              ...s,
              onRequest: () => {
                throw new Error('x');
              },
            }
          : s,
      ),
    }),
  });
  try {
    const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { headers: { 'X-MSISDN': '+447700900999' } });
    assert.equal(r.status, 500);
    assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_STAGE_FAILED');
    assert.ok(!r.body.includes('447700900999'));
  } finally {
    await lab.close();
  }
});
