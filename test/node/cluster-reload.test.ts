// The primary's side of a --workers reload (node/cluster-reload.ts) with the
// workers played by the test (src/cluster/protocol.ts): what it answers, and
// what it tells every worker, when a step after the workers' preparation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { ClusterReload } from '../../src/node/cluster-reload.js';
import type { PrimaryToWorker } from '../../src/cluster/protocol.js';
import { silentLogger } from '../../src/shared/log.js';
import { writeConfig } from '../helpers/hedge-process.js';

function worker(id: number) {
  const inbox: PrimaryToWorker[] = [];
  return { w: { id, isDead: () => false } as unknown as Worker, inbox };
}

test('a reload whose text the primary cannot keep for replacement workers is refused in every worker (stage cluster), none commits', async () => {
  const cfg = writeConfig('partners: []\n');
  try {
    const a = worker(1);
    const b = worker(2);
    const byId = new Map([
      [1, a],
      [2, b],
    ]);
    const reloads = new ClusterReload({
      file: cfg.file,
      timeoutMs: 2000,
      log: silentLogger,
      live: () => [a.w, b.w],
      send: (w, m) => byId.get(w.id)!.inbox.push(m),
      onApplied: () => {
        throw new Error("ENOSPC: no space left on device, open '/tmp/hedge-config-x/config.yaml.3'");
      },
    });
    for (const x of [a, b]) reloads.onMessage(x.w, { t: 'hedge:worker-ready', policyVersion: 'v1' });
    const pending = reloads.reload('admin');
    for (const x of [a, b]) {
      const prepare = x.inbox.find((m) => m.t === 'hedge:reload-prepare')!;
      assert.ok(prepare, 'every worker is asked to prepare');
      reloads.onMessage(x.w, { t: 'hedge:reload-prepared', id: prepare.id, answer: { result: 'applied', from: 'v1', to: 'v2', fingerprint: undefined } });
    }
    const r = await pending;
    assert.equal(r.result, 'refused');
    assert.equal(r.stage, 'cluster');
    assert.match(r.reason ?? '', /cannot keep the reloaded policy for replacement workers: ENOSPC.*config\.yaml/);
    for (const x of [a, b]) {
      const finish = x.inbox.filter((m) => m.t === 'hedge:reload-finish');
      assert.equal(finish.length, 1);
      assert.equal(finish[0]!.commit, false, 'no worker commits a policy replacements would not start with');
    }
  } finally {
    cfg.cleanup();
  }
});
