// Threat: someone who can write to the audit store cuts a node's chain back to
// an earlier checkpoint (the newest records and their checkpoints deleted);
// the gateway, finding a chain that ends in a signed shutdown checkpoint,
// writes on from the cut. `hedge audit verify --witness` reports that
// (`truncated`: the store holds another record at the witnessed seq) — until
// retention, or `hedge audit purge`, removes the rewritten records: a
// witnessed head below the purge anchor counted as covered, the evidence went
// with the records and verify said OK. Purging is routine (every day with
// audit.retentionDays), so every cut vanished once it aged past retention.
// Now each checkpoint names the checkpoint its chain continued from (`prev`,
// in its signed detail) and purge anchors are witnessed too; the witness check
// reports a checkpoint that continues from below a head the witness saw
// earlier, whether or not the store still holds the records — while a purge
// with no cut still verifies. Real gateway runs, the real CLI.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hedgeCli, useAuditBackend, writeConfig } from '../helpers/audit.js';
import { assertCutOutlivesPurge, runGateway, verifyAgainstWitness, witnessHeads, witnessedConfig } from '../helpers/audit-witness.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';

async function purgeAll(cfg: string): Promise<void> {
  const p = await hedgeCli(['audit', 'purge', '-c', cfg, '--before', new Date(Date.now() + 1000).toISOString(), '--yes']);
  assert.equal(p.code, 0, p.stdout + p.stderr);
}

describe('a purge after a chain was cut back and written on', () => {
  const backend = useAuditBackend('sqlite');

  test('a purge with no cut still verifies against the witness, which holds the purge anchor', { timeout: 180_000 }, async () => {
    const be = backend.be!;
    const node = 'gw-purged';
    const witness = join(be.dir, 'witness-purged.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const cfg = writeConfig(be.dir, 'purged.yaml', witnessedConfig(origin, be, be.fresh(), node, witness));
      // #1–#3 (shutdown checkpoint #3), #4–#7 (#7); everything purged (anchor #7); #8–#9 (#9), continuing from the anchor.
      await runGateway(cfg, 2);
      await runGateway(cfg, 3);
      await purgeAll(cfg);
      await runGateway(cfg, 1);
      assert.deepEqual(witnessHeads(witness), ['shutdown#3', 'shutdown#7', 'purge#7', 'shutdown#9']);
      const v = await verifyAgainstWitness(cfg, witness);
      assert.equal(v.code, 0, JSON.stringify(v.res));
      assert.deepEqual(
        v.res.chains.map((c) => [c.node, c.purgedThrough, c.lastSeq]),
        [[node, 7, 9]],
      );
    } finally {
      await origin.close();
    }
  });

  test('a cut whose rewritten records were purged is still reported truncated', { timeout: 180_000 }, async () => {
    const be = backend.be!;
    const node = 'gw-cut-purged';
    const loc = be.fresh();
    const witness = join(be.dir, 'witness-cut.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const cfg = writeConfig(be.dir, 'cut-purged.yaml', witnessedConfig(origin, be, loc, node, witness));
      await runGateway(cfg, 2); // #1–#3, shutdown checkpoint #3
      await runGateway(cfg, 3); // #4–#7, shutdown checkpoint #7
      await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > 3; DELETE FROM C WHERE node = $1 AND seq > 3', [node]);
      await runGateway(cfg, 4); // from the cut: another #4–#7, and #8; shutdown checkpoint #8
      const rewritten = await verifyAgainstWitness(cfg, witness);
      assert.equal(rewritten.res.problem?.kind, 'truncated', 'caught while the rewritten records are there');

      await purgeAll(cfg); // retention's turn: every record through #8 removed under a signed anchor
      const v = await verifyAgainstWitness(cfg, witness);
      assertCutOutlivesPurge(v, node);
    } finally {
      await origin.close();
    }
  });
});
