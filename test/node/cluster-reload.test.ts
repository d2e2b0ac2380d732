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

/** A primary's reload over played workers: `live` in the order the primary started them; `ready` those that serve. */
function playedCluster(file: string, live: ReturnType<typeof worker>[], timeoutMs = 1000) {
  const byId = new Map(live.map((x) => [x.w.id, x]));
  const reloads = new ClusterReload({
    file,
    timeoutMs,
    log: silentLogger,
    live: () => live.map((x) => x.w),
    send: (w, m) => byId.get(w.id)!.inbox.push(m),
    onApplied: () => {},
  });
  return reloads;
}

const recordedBy = (x: ReturnType<typeof worker>) => x.inbox.filter((m) => m.t === 'hedge:reload-finish' && m.record);

test("a refused reload's audit event is written by a worker that serves, never handed to one still starting (which cannot hear it)", async () => {
  const cfg = writeConfig('partners: []\n');
  try {
    // The first worker in the primary's order is a replacement still starting; the second serves.
    const starting = worker(3);
    const serving = worker(2);
    const reloads = playedCluster(cfg.file, [starting, serving]);
    reloads.onMessage(serving.w, { t: 'hedge:worker-ready', policyVersion: 'v1' });
    const r = await reloads.reload('sighup');
    assert.equal(r.result, 'refused');
    assert.match(r.reason ?? '', /did not finish starting/);
    assert.equal(recordedBy(starting).length, 0, 'nothing sent to the worker still starting is heard');
    assert.equal(recordedBy(serving).length, 1, 'the serving worker records the refusal');
    assert.equal((recordedBy(serving)[0] as { result: { result: string } }).result.result, 'refused');
  } finally {
    cfg.cleanup();
  }
});

test('a reload refused while no worker serves is recorded by the first worker that serves afterwards, once', async () => {
  const cfg = writeConfig('partners: []\n');
  try {
    const a = worker(4);
    const b = worker(5);
    const reloads = playedCluster(cfg.file, [a, b]);
    const r = await reloads.reload('watch');
    assert.equal(r.result, 'refused');
    assert.equal(recordedBy(a).length + recordedBy(b).length, 0, 'no worker can hear it yet');
    reloads.onMessage(b.w, { t: 'hedge:worker-ready', policyVersion: 'v1' });
    assert.equal(recordedBy(b).length, 1, 'the first worker that serves records the refusal');
    assert.equal((recordedBy(b)[0] as { result: { trigger: string; result: string } }).result.trigger, 'watch');
    reloads.onMessage(a.w, { t: 'hedge:worker-ready', policyVersion: 'v1' });
    assert.equal(recordedBy(a).length, 0, 'recorded once');
  } finally {
    cfg.cleanup();
  }
});

test('the primary counts every cluster reload once, when it is decided (also while no worker serves); the workers are told not to count it again', async () => {
  const cfg = writeConfig('partners: []\n');
  try {
    const a = worker(6);
    const b = worker(7);
    const byId = new Map([
      [6, a],
      [7, b],
    ]);
    const settled: string[] = [];
    const reloads = new ClusterReload({
      file: cfg.file,
      timeoutMs: 300,
      log: silentLogger,
      live: () => [a.w, b.w],
      send: (w, m) => byId.get(w.id)!.inbox.push(m),
      onApplied: () => {},
      settled: (r) => settled.push(`${r.result}/${r.trigger}`),
    });
    await reloads.reload('sighup');
    assert.deepEqual(settled, ['refused/sighup'], 'counted by the primary when it was decided, not when a worker serves');
    reloads.onMessage(a.w, { t: 'hedge:worker-ready', policyVersion: 'v1' });
    const late = recordedBy(a);
    assert.equal(late.length, 1, 'the first worker that serves still records its audit event');
    assert.equal((late[0] as { counted?: boolean }).counted, true, 'and counts and alerts nothing (the primary did)');

    // Heard by serving workers: the primary counts it, once; the workers do not (not one count per worker).
    reloads.onMessage(b.w, { t: 'hedge:worker-ready', policyVersion: 'v1' });
    const pending = reloads.reload('admin');
    await new Promise((r) => setImmediate(r));
    for (const x of [a, b]) {
      const prepare = x.inbox.find((m) => m.t === 'hedge:reload-prepare')!;
      reloads.onMessage(x.w, { t: 'hedge:reload-prepared', id: prepare.id, answer: { result: 'refused', from: 'v1', to: undefined, stage: 'validate', fingerprint: undefined } });
    }
    assert.equal((await pending).result, 'refused');
    assert.deepEqual(settled, ['refused/sighup', 'refused/admin'], 'one count per reload of the cluster');
    for (const x of [a, b]) {
      const finish = x.inbox.filter((m) => m.t === 'hedge:reload-finish').at(-1) as { counted?: boolean };
      assert.equal(finish.counted, true, 'each worker is told the primary counted it');
    }
  } finally {
    cfg.cleanup();
  }
});
