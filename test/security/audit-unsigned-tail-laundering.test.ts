// Threat: an insider with write access to the audit store rewrites the records
// written since the last checkpoint (not yet signed) — changes where a number
// went, or deletes the records of a disclosure — recomputing the hashes, and
// the gateway signs the forgery as its own. Its next append was refused as not
// continuing the chain, it re-read the head the store now held, wrote on from
// it, and its next checkpoint sealed the altered tail: `hedge audit verify`
// passed, and the only sign was one "audit store unavailable" alert. Now a
// writer continues only from its own head (or the end of a batch of its own
// whose commit may have landed); anything else stops it — disclosures
// withheld, audit-chain-altered raised, nothing more signed — until a restart.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, signerFromKey, keyedVerifier } from '../../src/audit/keys.js';
import { recordHash } from '../../src/audit/record.js';
import { verifyStore } from '../../src/audit/verify.js';
import { silentLogger } from '../../src/shared/log.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const verifier = keyedVerifier(new Map([['k1', publicKey]]));

let dir: string;
let store: SqliteAuditStore;
let log: AuditLog;
let alerts: { knownSeq: number; storedSeq: number }[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hedge-tail-'));
  store = new SqliteAuditStore(join(dir, 'audit.db'));
  alerts = [];
  log = new AuditLog({
    store,
    node: 'gw',
    key: auditKeyFromBytes(randomBytes(32)),
    signer: signerFromKey('k1', privateKey),
    log: silentLogger,
    retryAfterMs: 10,
    checkpointIntervalMs: 0,
    checkpointEveryRecords: 1000,
    onChainAltered: (at) => alerts.push(at),
  });
  await log.open();
  // Three records signed, then two that no checkpoint covers yet: disclosures to www.evil.example.
  for (let i = 0; i < 3; i++) assert.ok(await log.recordEvent({ type: 'disclosure', partner: 'agegate', host: 'www.agegate.example', detail: { i } }));
  await log.checkpoint('periodic');
  for (let i = 3; i < 5; i++) assert.ok(await log.recordEvent({ type: 'disclosure', partner: 'evil', host: 'www.evil.example', detail: { i } }));
});

afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function writeOn(n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await log.recordEvent({ type: 'test-event', detail: { i } }));
    await new Promise((r) => setTimeout(r, 30)); // past retryAfterMs: a writer that failed re-reads the head
  }
  return out;
}

async function signedThrough(): Promise<number> {
  return Math.max(0, ...(await store.checkpoints('gw')).map((c) => c.seq));
}

describe('the unsigned end of the chain changed behind the writer', () => {
  test('a record rewritten with its hash recomputed: the writer stops, signs nothing on top, and says why', async () => {
    const r5 = (await store.get('gw', 5))!;
    const forged = { ...r5, host: 'innocent.example', partner: 'innocent' };
    forged.hash = recordHash(forged);
    store.db.prepare('UPDATE audit_records SET host = ?, partner = ?, hash = ? WHERE node = ? AND seq = ?').run(forged.host, forged.partner, forged.hash, 'gw', 5);

    assert.deepEqual(await writeOn(4), [false, false, false, false], 'nothing more is recorded, so nothing more is disclosed');
    await log.checkpoint('periodic');
    assert.equal(await signedThrough(), 3, 'the forged record is never signed');
    assert.deepEqual(alerts, [{ knownSeq: 5, storedSeq: 5 }], 'one audit-chain-altered alert');
    assert.equal(log.status().state, 'altered');
    assert.equal(await store.count('gw'), 5);
  });

  test('the last two records deleted: the same', async () => {
    store.db.prepare('DELETE FROM audit_records WHERE node = ? AND seq > 3').run('gw');
    assert.deepEqual(await writeOn(3), [false, false, false]);
    await log.checkpoint('periodic');
    assert.equal(await signedThrough(), 3);
    assert.deepEqual(alerts, [{ knownSeq: 5, storedSeq: 3 }]);
    assert.equal(await store.count('gw'), 3, 'the writer did not chain on from the shortened chain');
  });
});

test('a batch of its own that was stored although its append failed is taken up, and the chain verifies', async () => {
  const append = store.append.bind(store);
  let failNext = true;
  store.append = async (...args: Parameters<typeof append>) => {
    await append(...args);
    if (failNext) {
      failNext = false;
      throw Object.assign(new Error('connection lost after the commit'), { code: 'ECONNRESET' });
    }
  };
  const results = await writeOn(4);
  assert.equal(results[0], false, 'its outcome was unknown: withheld');
  assert.deepEqual(results.slice(1), [true, true, true], 'the writer goes on from the batch that landed');
  assert.deepEqual(alerts, []);
  await log.checkpoint('periodic');
  assert.equal(await signedThrough(), 9);
  const v = await verifyStore(store, { verifier });
  assert.equal(v.ok, true, v.problem?.message);
});
