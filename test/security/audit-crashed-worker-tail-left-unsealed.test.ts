// Threat: with `hedge start --workers N`, a worker that crashes (SIGKILL, OOM)
// leaves the records it wrote after its last checkpoint covered by no
// signature. A restarted gateway seals such a tail at once with a signed
// `resume` record (docs/audit.md, "After a crash") — but the primary's
// replacement worker took a new chain name (`<node>-w<next worker id>`), so
// nothing continued the crashed worker's chain: its unsigned records stayed
// open to anyone able to write to the store, rewritable with recomputed
// hashes, until the whole node was next restarted. The replacement now takes
// its predecessor's slot and chain, and seals the tail when it starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { auditBackend } from '../helpers/audit.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';

test('a crashed worker’s unsigned audit records are sealed by its replacement, which continues its chain', { timeout: 180_000 }, async () => {
  const be = await auditBackend('sqlite');
  if (typeof be === 'string') throw new Error(be);
  after(() => be.close());
  // Checkpoints only at a clean stop: whatever a worker writes stays unsigned until then.
  const audit = be.yaml(be.fresh(), { node: 'edge-1', checkpointEveryRecords: 100000, checkpointIntervalMs: 0 });
  const c = await startDemoCluster({ extraYaml: audit });
  after(() => c.stop());
  const chains = c.started().map((l) => String(l.audit));
  assert.deepEqual([...chains].sort(), ['sqlite chain edge-1-w1', 'sqlite chain edge-1-w2']);

  // Disclosures on both workers (a new connection per request: the primary hands them out in turn).
  const proxy = portOf(c.started()[0]!.proxy);
  for (let i = 0; i < 6; i++) assert.equal((await viaProxy({ port: proxy }, 'http://my.operator.example/')).status, 200);

  const victim = c.started()[1]!;
  process.kill(victim.workerPid as number, 'SIGKILL');
  await c.node.waitFor(() => c.started().length >= 3, 90_000);
  const replacement = c.started()[2]!;
  assert.equal(replacement.audit, victim.audit, 'the replacement writes the chain of the worker it replaces');
  const resumed = await c.node.waitFor((l) => l.msg.startsWith('audit chain resumed after an unclean stop'), 10_000);
  assert.ok(Number(resumed.unsigned) >= 1, `the crashed worker's unsigned records were sealed (${String(resumed.unsigned)})`);
});
