// Retention as the running gateway applies it (audit.retentionDays, the
// periodic purge in src/audit/setup.ts — not `hedge audit purge`) with an
// audit witness: the purge anchor it stores is witnessed too, so
// `hedge audit verify --witness` still passes after a purge with no cut, and a
// chain cut back and written on from the cut is still reported `truncated`
// after retention removed the rewritten records (as
// test/security/audit-purge-hides-truncation.test.ts shows for the CLI).
// The old records are written by real gateway runs whose clock is two days
// behind (shifted-clock.mjs); retention runs in a real gateway started with
// its first run 100 ms after start instead of a minute.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useAuditBackend, writeConfig } from '../helpers/audit.js';
import { assertCutOutlivesPurge, runGateway, shiftedClock, verifyAgainstWitness, witnessHeads, witnessedConfig } from '../helpers/audit-witness.js';
import { waitFor } from '../helpers/wait.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import type { BreachReport } from '../../src/audit/report.js';

const TWO_DAYS_AGO = shiftedClock(-2 * 86_400_000);

/** A real gateway with audit.retentionDays: 1, its first retention run soon after start; `during` runs once the witness holds a purge anchor. */
async function runRetention(cfg: string, witness: string, during?: (adminUrl: string) => Promise<void>): Promise<void> {
  const gw = await startGateway(loadConfigFile(cfg), { log: silentLogger, retentionFirstRunMs: 100 });
  try {
    await waitFor('the purge anchor in the witness', () => witnessHeads(witness).some((l) => l.startsWith('purge#')), 30_000);
    await during?.(gw.adminUrl);
  } finally {
    await gw.stop(200);
  }
}

function configs(dir: string, name: string, yaml: string): { cfg: string; retained: string } {
  return {
    cfg: writeConfig(dir, `${name}.yaml`, yaml),
    // The witness section ends the audit section: retention joins it.
    retained: writeConfig(dir, `${name}-retention.yaml`, `${yaml}  retentionDays: 1\n`),
  };
}

describe("the gateway's retention with an audit witness", () => {
  const backend = useAuditBackend('sqlite');

  test('the purge anchor is witnessed and the chain still verifies against the witness', { timeout: 180_000 }, async () => {
    const be = backend.be!;
    const node = 'gw-retained';
    const witness = join(be.dir, 'witness-retained.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const { cfg, retained } = configs(be.dir, node, witnessedConfig(origin, be, be.fresh(), node, witness));
      await runGateway(cfg, 2, undefined, TWO_DAYS_AGO); // #1–#3 two days ago, shutdown checkpoint #3
      // Retention removes #1–#3 (older than a day) under a signed anchor; this run's policy-load is #4 (shutdown checkpoint #4).
      await runRetention(retained, witness);
      assert.deepEqual(witnessHeads(witness), ['shutdown#3', 'purge#3', 'shutdown#4']);
      const v = await verifyAgainstWitness(cfg, witness);
      assert.equal(v.code, 0, JSON.stringify(v.res));
      assert.deepEqual(
        v.res.chains.map((c) => [c.node, c.purgedThrough, c.lastSeq]),
        [[node, 3, 4]],
      );
    } finally {
      await origin.close();
    }
  });

  test('a cut whose rewritten records retention removed is still reported truncated, by verify and by the admin report', { timeout: 240_000 }, async () => {
    const be = backend.be!;
    const node = 'gw-cut-retained';
    const loc = be.fresh();
    const witness = join(be.dir, 'witness-cut-retained.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const { cfg, retained } = configs(be.dir, node, witnessedConfig(origin, be, loc, node, witness));
      await runGateway(cfg, 2, undefined, TWO_DAYS_AGO); // #1–#3, shutdown checkpoint #3
      await runGateway(cfg, 3, undefined, TWO_DAYS_AGO); // #4–#7, shutdown checkpoint #7
      await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > 3; DELETE FROM C WHERE node = $1 AND seq > 3', [node]);
      await runGateway(cfg, 4, undefined, TWO_DAYS_AGO); // from the cut: another #4–#7, and #8; shutdown checkpoint #8
      assert.equal((await verifyAgainstWitness(cfg, witness)).res.problem?.kind, 'truncated', 'caught while the rewritten records are there');

      // Retention's turn: every record through #8 is older than a day.
      await runRetention(retained, witness, async (adminUrl) => {
        const r = await fetch(`${adminUrl}/audit/report?format=json`, { signal: AbortSignal.timeout(30_000) });
        assert.equal(r.status, 200);
        const rep = (await r.json()) as BreachReport;
        assert.equal(rep.witness?.problem?.kind, 'truncated', 'the admin report of the gateway that purged');
        assert.equal(rep.witness?.problem?.seq, 7);
      });
      assert.deepEqual(witnessHeads(witness), ['shutdown#3', 'shutdown#7', 'shutdown#8', 'purge#8', 'shutdown#9']);
      const v = await verifyAgainstWitness(cfg, witness);
      assertCutOutlivesPurge(v, node);
    } finally {
      await origin.close();
    }
  });
});
