// A breach report whose window reaches back before a retention purge counts
// only what survived; it must say so, in every format, or a regulator is given
// an undercount as the whole answer to "whose number went where".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, signerFromKey } from '../../src/audit/keys.js';
import { purgeBefore } from '../../src/audit/purge.js';
import { buildReport } from '../../src/audit/report.js';
import { reportCsv, reportTable } from '../../src/audit/report-text.js';
import { reportHtml } from '../../src/audit/report-html.js';
import { silentLogger } from '../../src/shared/log.js';
import type { Flow } from '../../src/pipeline/flow.js';

test('a window that reaches back before a purge is marked incomplete in JSON, table, CSV and HTML; one after it is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-purged-report-'));
  const file = join(dir, 'audit.db');
  const key = auditKeyFromBytes(randomBytes(32));
  const signer = signerFromKey('k1', generateKeyPairSync('ed25519').privateKey);
  const log = new AuditLog({ store: new SqliteAuditStore(file), node: 'gw', key, signer, log: silentLogger });
  await log.open();
  const flow = (msisdn: string) =>
    ({
      id: 'r',
      clientAddress: '10.0.0.1',
      subscriber: { msisdn, source: 'static' },
      target: { host: 'www.leak.example', port: 80 },
      policy: { version: 'v1' },
      disclosures: [{ partnerId: 'p', attribute: 'msisdn', form: 'raw', header: 'x-msisdn' }],
    }) as unknown as Flow;
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) await log.recordDisclosure(flow(`+4477009001${10 + i}`));
  await new Promise((r) => setTimeout(r, 20));
  const cut = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 2; i++) await log.recordDisclosure(flow(`+4477009002${10 + i}`));
  await log.close();
  const store = new SqliteAuditStore(file);
  try {
    assert.equal((await purgeBefore(store, cut, signer))[0]?.removed, 5);
    const r = await buildReport(store, { from: t0 - 1000, to: Date.now() + 1, key });
    assert.equal(r.totals.disclosures, 2);
    assert.deepEqual(r.purged, [{ node: 'gw', removedBefore: new Date(cut).toISOString() }]);
    assert.match(reportTable(r), /INCOMPLETE: retention removed records before/);
    const csv = reportCsv(r).split('\r\n');
    assert.match(csv[0]!, /,incomplete$/);
    assert.match(csv[1]!, /INCOMPLETE/);
    assert.match(reportHtml(r), /<dd id="purged">INCOMPLETE/);

    const after = await buildReport(store, { from: cut + 1, to: Date.now() + 1, key });
    assert.deepEqual(after.purged, []);
    assert.doesNotMatch(reportTable(after), /INCOMPLETE/);
    assert.doesNotMatch(reportCsv(after), /incomplete/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
