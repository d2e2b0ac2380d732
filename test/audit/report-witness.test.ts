// `hedge audit report --witness FILE`: a breach report over a store whose chain
// was cut back to an earlier checkpoint says so — in JSON (`witness`), the
// table, the HTML page and on every CSV row — naming the node and the
// witnessed seq the store lacks, and exits 1 as `hedge audit verify --witness`
// does. Without --witness the report is as before. A real gateway writes the
// store and the witness; the cut is the one of
// test/security/audit-truncated-to-earlier-checkpoint.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hedgeCli, useAuditBackend, writeConfig } from '../helpers/audit.js';
import { runGateway, witnessedConfig } from '../helpers/audit-witness.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import type { BreachReport } from '../../src/audit/report.js';

const NODE = 'gw-report';

describe('hedge audit report --witness', () => {
  const backend = useAuditBackend('sqlite');

  test('a chain cut back is reported truncated (node and seq) in every format; without --witness nothing changes', { timeout: 180_000 }, async () => {
    const be = backend.be!;
    const loc = be.fresh();
    const witness = join(be.dir, 'witness.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const cfg = writeConfig(be.dir, 'report-witness.yaml', witnessedConfig(origin, be, loc, NODE, witness));
      // Run 1: policy-load #1, disclosures #2–#3, shutdown checkpoint on #3. Run 2: #4–#7, shutdown checkpoint on #7.
      await runGateway(cfg, 2);
      await runGateway(cfg, 3);
      const report = (format: string, ...extra: string[]) => hedgeCli(['audit', 'report', '-c', cfg, '--format', format, ...extra]);

      const intact = await report('json', '--witness', witness);
      assert.equal(intact.code, 0, intact.stderr);
      const intactJson = JSON.parse(intact.stdout) as BreachReport;
      assert.deepEqual(intactJson.witness && { ...intactJson.witness, file: null }, { file: null, lines: 2, signed: 2, problem: null });
      assert.equal(intactJson.totals.disclosures, 5);
      assert.match((await report('table', '--witness', witness)).stdout, /^witness {5}.*: every witnessed checkpoint \(2\) is in the store$/m);

      // The cut: run 2's records (three of the five disclosures) and its checkpoint deleted.
      await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > 3; DELETE FROM C WHERE node = $1 AND seq > 3', [NODE]);

      // Without --witness: the report is the one before this change — two disclosures, no word of a witness, exit 0.
      const alone = await report('json');
      assert.equal(alone.code, 0, alone.stderr);
      const aloneJson = JSON.parse(alone.stdout) as BreachReport;
      assert.equal(aloneJson.totals.disclosures, 2);
      assert.equal('witness' in aloneJson, false);
      assert.equal(aloneJson.incident?.chain.ok, true, 'the store alone cannot tell');
      for (const format of ['table', 'csv', 'html']) {
        const r = await report(format);
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout + r.stderr, /witness|TRUNCATED/i, format);
      }

      const json = await report('json', '--witness', witness);
      assert.equal(json.code, 1, 'as verify --witness: exit 1');
      const rep = JSON.parse(json.stdout) as BreachReport;
      assert.equal(rep.witness?.problem?.kind, 'truncated');
      assert.equal(rep.witness?.problem?.node, NODE);
      assert.equal(rep.witness?.problem?.seq, 7, 'the witnessed head the store lacks');
      assert.match(rep.witness!.problem!.message, /the store ends at #3/);
      assert.equal(rep.incident?.chain.ok, false, 'the incident section no longer says the chain verified');
      assert.match(rep.incident!.chain.problem!, /^truncated at gw-report#7: /);
      assert.match(json.stderr, /^hedge audit report: TRUNCATED: chain gw-report was truncated: .*gw-report#7/m);

      const table = await report('table', '--witness', witness);
      assert.equal(table.code, 1);
      assert.match(table.stdout, /^witness {5}TRUNCATED: chain gw-report was truncated: the witness holds a checkpoint of gw-report#7 \(shutdown, /m);

      const csv = await report('csv', '--witness', witness);
      assert.equal(csv.code, 1);
      const rows = csv.stdout.trimEnd().split('\r\n');
      assert.ok(rows[0]!.split(',').includes('witness'), rows[0]);
      const data = rows.filter((l) => l.startsWith('+447700900123'));
      assert.ok(data.length > 0);
      for (const row of data) assert.match(row, /TRUNCATED: chain gw-report was truncated: .*gw-report#7/);

      const html = await report('html', '--witness', witness);
      assert.equal(html.code, 1);
      assert.match(html.stdout, /<dd id="witness" data-problem="truncated" data-node="gw-report" data-seq="7">TRUNCATED: chain gw-report was truncated/);
    } finally {
      await origin.close();
    }
  });
});
