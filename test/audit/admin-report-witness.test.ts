// The admin API's `GET /audit/report` of a gateway with audit.witness.file:
// checked against the witness as `hedge audit report --witness` is, so a chain
// cut back to an earlier checkpoint and written on from the cut is reported
// `truncated` (node, witnessed seq) in JSON, the table, CSV and HTML — by the
// very gateway that wrote on from the cut. Without a witness configured the
// report is as before; a new gateway's witness is there and empty until its
// first checkpoint (made at start); a witness the gateway cannot read refuses
// the report (503), never serves it unchecked. Real gateway runs, real cut
// (test/helpers/audit-witness.ts).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useAuditBackend, writeConfig } from '../helpers/audit.js';
import { runGateway, witnessedConfig } from '../helpers/audit-witness.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import type { BreachReport } from '../../src/audit/report.js';

const NODE = 'gw-admin-report';

async function get(admin: string, query: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://${admin}/audit/report?${query}`, { signal: AbortSignal.timeout(30_000) });
  return { status: r.status, text: await r.text() };
}

async function jsonReport(admin: string, query = 'format=json'): Promise<BreachReport> {
  const r = await get(admin, query);
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text) as BreachReport;
}

describe('GET /audit/report with audit.witness.file', () => {
  const backend = useAuditBackend('sqlite');

  test('after a cut and a restart the gateway reports the chain truncated (node and seq) in every format', { timeout: 240_000 }, async () => {
    const be = backend.be!;
    const loc = be.fresh();
    const witness = join(be.dir, 'admin-witness.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const yaml = witnessedConfig(origin, be, loc, NODE, witness);
      const cfg = writeConfig(be.dir, 'admin-witness.yaml', yaml);
      // Run 1: #1–#3, shutdown checkpoint #3 — asked before it, the witness is empty (made at start, not
      // missing: a new gateway's report is served, not refused). Run 2: #4–#7, shutdown checkpoint #7 —
      // asked while it runs, the witness holds #3.
      await runGateway(cfg, 2, async (admin) => {
        const rep = await jsonReport(admin);
        assert.deepEqual(rep.witness && { ...rep.witness, file: null }, { file: null, lines: 0, signed: 0, problem: null });
      });
      await runGateway(cfg, 3, async (admin) => {
        const rep = await jsonReport(admin);
        assert.deepEqual(rep.witness && { ...rep.witness, file: null }, { file: null, lines: 1, signed: 1, problem: null });
      });

      // The cut: run 2's records and its checkpoint deleted; the gateway then starts from #3 and writes on.
      await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > 3; DELETE FROM C WHERE node = $1 AND seq > 3', [NODE]);
      await runGateway(cfg, 1, async (admin) => {
        const rep = await jsonReport(admin, 'format=json&incident=1');
        assert.equal(rep.witness?.file, witness);
        assert.equal(rep.witness?.problem?.kind, 'truncated');
        assert.equal(rep.witness?.problem?.node, NODE);
        assert.equal(rep.witness?.problem?.seq, 7, 'the witnessed head the store lacks');
        assert.equal(rep.incident?.chain.ok, false, 'the incident section is the same check');
        assert.match(rep.incident!.chain.problem!, new RegExp(`^truncated at ${NODE}#7: `));

        const table = await get(admin, 'format=table');
        assert.equal(table.status, 200);
        assert.match(table.text, new RegExp(`^witness {5}TRUNCATED: chain ${NODE} was truncated: the witness holds a checkpoint of ${NODE}#7 \\(shutdown, `, 'm'));
        const csv = await get(admin, 'format=csv');
        const rows = csv.text.trimEnd().split('\r\n');
        assert.ok(rows[0]!.split(',').includes('witness'), rows[0]);
        const data = rows.filter((l) => l.startsWith('+447700900123'));
        assert.ok(data.length > 0);
        for (const row of data) assert.match(row, new RegExp(`TRUNCATED: chain ${NODE} was truncated: .*${NODE}#7`));
        const html = await get(admin, 'format=html');
        assert.match(html.text, new RegExp(`<dd id="witness" data-problem="truncated" data-node="${NODE}" data-seq="7">TRUNCATED: `));
      });

      // The same store, no witness configured: the report says nothing of one (the store alone cannot tell).
      const plain = writeConfig(be.dir, 'admin-no-witness.yaml', yaml.replace(/ {2}witness:\n.*\n$/, ''));
      await runGateway(plain, 0, async (admin) => {
        const rep = await jsonReport(admin, 'format=json&incident=1');
        assert.equal('witness' in rep, false);
        assert.equal(rep.incident?.chain.ok, true);
        const table = await get(admin, 'format=table');
        assert.doesNotMatch(table.text, /witness|TRUNCATED/i);
      });

      // A witness file the gateway cannot read: the report is refused, not served unchecked.
      const missing = writeConfig(be.dir, 'admin-missing-witness.yaml', witnessedConfig(origin, be, loc, NODE, join(be.dir, 'no-such-dir', 'w.jsonl')));
      await runGateway(missing, 0, async (admin) => {
        const r = await get(admin, 'format=json');
        assert.equal(r.status, 503, r.text);
        assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'HEDGE_ERR_AUDIT_WITNESS');
      });
    } finally {
      await origin.close();
    }
  });
});
