// With `hedge start --workers N` every worker writes its own audit chain
// (`<node>-w<slot>`) and appends its checkpoints to the one witness file
// (audit.witness.file): several processes appending to one file, each line one
// write to a file opened with O_APPEND. After traffic through both workers —
// a checkpoint on every commit, so the appends race — every line parses,
// `hedge audit verify --witness` passes, and each worker chain's last head
// is witnessed; cutting one worker's chain back is reported for that chain.
// (A backlog bigger than Node writes in one write() could land mid-line
// between a sibling's pieces: test/audit/witness.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { auditBackend, hedgeCli, writeConfig } from '../helpers/audit.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';

interface Verified {
  ok: boolean;
  problem?: { kind: string; node: string; seq: number; message: string };
  chains: { node: string; lastSeq: number | null; lastSignedSeq: number | null }[];
  witness: { lines: number; signed: number; rejected: unknown[]; notInStore: number; heads: { node: string; seq: number; kind: string; inStore: boolean }[] };
}

test('two workers append to one witness file: every line whole, every chain head witnessed, a cut in one chain reported', { timeout: 240_000 }, async () => {
  const be = await auditBackend('sqlite');
  if (typeof be === 'string') throw new Error(be);
  after(() => be.close());
  const loc = be.fresh();
  const witness = join(be.dir, 'witness.jsonl');
  // A checkpoint on every commit: as many racing appends as the workers can make.
  const audit = be.yaml(loc, { node: 'edge-1', checkpointEveryRecords: 1, checkpointIntervalMs: 0 }) + `  witness:\n    file: ${JSON.stringify(witness)}\n`;
  const c = await startDemoCluster({ extraYaml: audit });
  let stopped = false;
  after(() => (stopped ? undefined : c.stop()));
  assert.deepEqual(
    c
      .started()
      .map((l) => String(l.audit))
      .sort(),
    ['sqlite chain edge-1-w1', 'sqlite chain edge-1-w2'],
  );
  const proxy = portOf(c.started()[0]!.proxy);
  // A new connection per request: the primary hands them to the workers in turn. In waves, so both commit at once.
  for (let wave = 0; wave < 6; wave++) {
    const answers = await Promise.all(Array.from({ length: 10 }, () => viaProxy({ port: proxy }, 'http://my.operator.example/')));
    for (const a of answers) assert.equal(a.status, 200);
  }
  // A clean stop, waited for (not the helper's 10 s before SIGKILL): each worker signs and witnesses its shutdown checkpoint.
  c.node.child.kill('SIGTERM');
  await c.node.waitFor((l) => l.msg === 'cluster stopped', 60_000);
  await c.stop();
  stopped = true;

  const text = readFileSync(witness, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  const lines = text.split('\n').slice(0, -1);
  const parsed = lines.map((l, i) => {
    try {
      return JSON.parse(l) as { node: string; seq: number; kind: string };
    } catch {
      throw new Error(`witness line ${i + 1} is not one JSON line (interleaved appends?): ${l.slice(0, 120)}`);
    }
  });
  const nodes = new Set(parsed.map((p) => p.node));
  assert.deepEqual([...nodes].sort(), ['edge-1-w1', 'edge-1-w2']);

  const cfg = writeConfig(be.dir, 'verify.yaml', c.yaml);
  const v = await hedgeCli(['audit', 'verify', '-c', cfg, '--json', '--witness', witness]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const res = JSON.parse(v.stdout) as Verified;
  assert.equal(res.witness.lines, lines.length);
  assert.equal(res.witness.signed, lines.length, 'every line signed by the gateway key');
  assert.deepEqual(res.witness.rejected, []);
  assert.equal(res.witness.notInStore, 0);
  for (const chain of res.chains) {
    assert.ok((chain.lastSeq ?? 0) > 20, `both workers took traffic: ${chain.node} #${chain.lastSeq}`);
    const head = res.witness.heads.find((h) => h.node === chain.node);
    assert.deepEqual(head && [head.seq, head.kind, head.inStore], [chain.lastSeq, 'shutdown', true], `${chain.node}: its last head (the shutdown checkpoint) is witnessed`);
  }

  // One worker's chain cut back by ten records (and the checkpoints after them): reported for that chain only.
  const w2 = res.chains.find((ch) => ch.node === 'edge-1-w2')!;
  const cutTo = w2.lastSeq! - 10;
  await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > $2; DELETE FROM C WHERE node = $1 AND seq > $2', ['edge-1-w2', cutTo]);
  const cut = await hedgeCli(['audit', 'verify', '-c', cfg, '--json', '--witness', witness]);
  assert.equal(cut.code, 1, cut.stdout + cut.stderr);
  const cutRes = JSON.parse(cut.stdout) as Verified;
  assert.equal(cutRes.problem?.kind, 'truncated');
  assert.equal(cutRes.problem?.node, 'edge-1-w2');
  assert.ok(cutRes.problem!.seq > cutTo, `a witnessed seq past the cut: #${cutRes.problem!.seq}`);
  assert.match(cutRes.problem!.message, new RegExp(`the store ends at #${cutTo}`));
  assert.deepEqual(cutRes.witness.heads.map((h) => [h.node, h.inStore]).sort(), [
    ['edge-1-w1', true],
    ['edge-1-w2', false],
  ]);
});
