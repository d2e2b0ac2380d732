// The resume record a writer appends at start after an unclean stop: written
// only then (a clean stop, signed at shutdown, leaves none; a rotation of the
// signing key is no unclean stop), names the unsigned range only when there
// is one, is not suppressed by a forged shutdown checkpoint, and keeps the
// range reported whatever happens to its own checkpoint. The writer is
// abandoned without close() here (no shutdown checkpoint, as after a crash);
// test/security/audit-crash-tail-rewritten-before-restart.test.ts kills real
// gateway processes.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, keyedVerifier, signerFromKey, type Signer } from '../../src/audit/keys.js';
import { verifyStore } from '../../src/audit/verify.js';
import { buildReport } from '../../src/audit/report.js';
import { reportTable } from '../../src/audit/report-text.js';
import { silentLogger } from '../../src/shared/log.js';

const k1 = generateKeyPairSync('ed25519');
const k2 = generateKeyPairSync('ed25519');
const verifier = keyedVerifier(
  new Map([
    ['k1', k1.publicKey],
    ['k2', k2.publicKey],
  ]),
);
const key = auditKeyFromBytes(randomBytes(32));

let dir: string;
let file: string;
const opened: { log: AuditLog; store: SqliteAuditStore }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hedge-resume-'));
  file = join(dir, 'audit.db');
});
afterEach(async () => {
  for (const o of opened.splice(0)) await o.store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function writer(signer: Signer = signerFromKey('k1', k1.privateKey)): Promise<AuditLog> {
  const store = new SqliteAuditStore(file);
  const log = new AuditLog({ store, node: 'gw', key, signer, verifier, log: silentLogger, checkpointIntervalMs: 0 });
  opened.push({ log, store });
  await log.open();
  return log;
}

async function write(log: AuditLog, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.ok(await log.recordEvent({ type: 'test-event', detail: { i } }));
}

async function inspect() {
  const store = new SqliteAuditStore(file);
  try {
    const v = await verifyStore(store, { verifier });
    const types = (await store.page('gw', 0, 100)).map((r) => r.type);
    const kinds = (await store.checkpoints('gw')).map((c) => `${c.seq}:${c.kind}`);
    return { v, chain: v.chains[0]!, types, kinds };
  } finally {
    await store.close();
  }
}

test('a clean stop (signed at shutdown) leaves no resume record, even with the signing key rotated in between', async () => {
  let log = await writer();
  await write(log, 3);
  await log.close();
  log = await writer(signerFromKey('k2', k2.privateKey));
  await write(log, 1);
  await log.close();
  log = await writer();
  await log.close(); // nothing new: the shutdown checkpoint is written anyway, so the next start knows
  log = await writer();
  await log.close();
  const { v, chain, types, kinds } = await inspect();
  assert.equal(v.ok, true, v.problem?.message);
  assert.deepEqual(types, ['test-event', 'test-event', 'test-event', 'test-event']);
  assert.deepEqual(kinds, ['3:shutdown', '4:shutdown']);
  assert.deepEqual(chain.unsignedBeforeRestart, []);
});

test('an unclean stop: the resume record and its checkpoint come first; the range is reported even after later checkpoints', async () => {
  let log = await writer();
  await write(log, 2);
  await log.checkpoint('periodic');
  await write(log, 3); // #3–#5: no checkpoint covers them when the writer is abandoned
  log = await writer();
  await write(log, 1);
  await log.close();
  const { v, chain, types, kinds } = await inspect();
  assert.equal(v.ok, true, v.problem?.message);
  assert.equal(types[5], 'resume', 'appended before anything else');
  assert.deepEqual(kinds, ['2:periodic', '6:resume', '7:shutdown']);
  assert.equal(chain.unsealed, 0);
  assert.deepEqual(
    chain.unsignedBeforeRestart.map((u) => [u.firstSeq, u.lastSeq, u.records, u.lastSignedSeq, u.restartSeq]),
    [[3, 5, 3, 2, 6]],
  );
});

test('a stop right after a checkpoint: a resume record, but no unsigned range to report', async () => {
  let log = await writer();
  await write(log, 2);
  await log.checkpoint('periodic');
  log = await writer();
  await log.close();
  const { chain, types } = await inspect();
  assert.deepEqual(types, ['test-event', 'test-event', 'resume']);
  assert.deepEqual(chain.unsignedBeforeRestart, []);
});

test('a forged shutdown checkpoint on the head does not pass the stop off as clean; deleting it afterwards leaves the range reported', async () => {
  let log = await writer();
  await write(log, 3);
  const store = new SqliteAuditStore(file);
  const head = (await store.head('gw'))!;
  store.db
    .prepare("INSERT INTO audit_checkpoints (node, seq, time, kind, hash, key_id, signature, detail) VALUES ('gw', ?, ?, 'shutdown', ?, 'k1', 'AAAA', '{}')")
    .run(head.seq, Date.now(), head.hash);
  log = await writer();
  await write(log, 1);
  await log.close();
  store.db.prepare("DELETE FROM audit_checkpoints WHERE kind = 'shutdown' AND signature = 'AAAA'").run();
  await store.close();
  const { v, chain, types } = await inspect();
  assert.equal(v.ok, true, v.problem?.message);
  assert.equal(types[3], 'resume');
  assert.deepEqual(
    chain.unsignedBeforeRestart.map((u) => [u.firstSeq, u.lastSeq]),
    [[1, 3]],
  );
});

test('the resume checkpoint deleted: the range is still reported (the record is in the chain); the resume record deleted: verify fails', async () => {
  let log = await writer();
  await write(log, 3);
  log = await writer();
  await write(log, 1);
  await log.close();
  let store = new SqliteAuditStore(file);
  store.db.prepare("DELETE FROM audit_checkpoints WHERE kind = 'resume'").run();
  await store.close();
  const after = await inspect();
  assert.equal(after.v.ok, true);
  assert.deepEqual(
    after.chain.unsignedBeforeRestart.map((u) => [u.firstSeq, u.lastSeq]),
    [[1, 3]],
  );

  store = new SqliteAuditStore(file);
  store.db.prepare("DELETE FROM audit_records WHERE type = 'resume'").run();
  await store.close();
  const gone = await inspect();
  assert.equal(gone.v.ok, false, 'a later checkpoint signed the chain through the resume record');
  assert.equal(gone.v.problem?.kind, 'removed');
});

test('a resume record stored although its append failed is taken up: one resume record, not two', async () => {
  let log = await writer();
  await write(log, 2);
  const store = new SqliteAuditStore(file);
  const append = store.append.bind(store);
  let failNext = true;
  store.append = async (...args: Parameters<typeof append>) => {
    await append(...args);
    if (failNext) {
      failNext = false;
      throw Object.assign(new Error('connection lost after the commit'), { code: 'ECONNRESET' });
    }
  };
  log = new AuditLog({ store, node: 'gw', key, signer: signerFromKey('k1', k1.privateKey), verifier, log: silentLogger, checkpointIntervalMs: 0, retryAfterMs: 10 });
  opened.push({ log, store });
  await log.open();
  assert.equal(log.status().state, 'down', 'the outcome of the resume append was unknown');
  await new Promise((r) => setTimeout(r, 30));
  await write(log, 1);
  await log.close();
  const { v, types, chain } = await inspect();
  assert.equal(v.ok, true, v.problem?.message);
  assert.deepEqual(types, ['test-event', 'test-event', 'resume', 'test-event']);
  assert.deepEqual(
    chain.unsignedBeforeRestart.map((u) => [u.firstSeq, u.lastSeq]),
    [[1, 2]],
  );
});

test('the report names the range only for windows it may touch: after the last signed record, before the restart', async () => {
  const disclose = (log: AuditLog) => log.recordEvent({ type: 'disclosure', partner: 'p', host: 'www.leak.example', detail: { port: 80, items: [], binding: 'static' } });
  const pause = () => new Promise((r) => setTimeout(r, 20));
  let log = await writer();
  const beforeSigned = Date.now();
  assert.ok(await disclose(log));
  await log.checkpoint('periodic');
  await pause();
  const signedEnd = Date.now();
  await pause();
  assert.ok(await disclose(log)); // #2: unsigned when the writer is abandoned
  await pause();
  log = await writer();
  await pause();
  const restarted = Date.now();
  await pause();
  assert.ok(await disclose(log));
  await log.close();
  const store = new SqliteAuditStore(file);
  try {
    const report = (from: number, to: number) => buildReport(store, { from, to, redacted: true });
    const all = await report(0, Date.now() + 1);
    assert.deepEqual(
      all.unsignedBeforeRestart.map((u) => [u.node, u.firstSeq, u.lastSeq]),
      [['gw', 2, 2]],
    );
    assert.match(reportTable(all), /^unsigned +UNSIGNED: record gw#2 was not covered by a signature before an unclean stop and was taken as found at the restart at /m);
    assert.deepEqual((await report(restarted, Date.now() + 1)).unsignedBeforeRestart, [], 'a window after the restart');
    assert.deepEqual((await report(0, beforeSigned)).unsignedBeforeRestart, [], 'a window before the last signed record');
    assert.equal((await report(signedEnd, restarted)).unsignedBeforeRestart.length, 1);
  } finally {
    await store.close();
  }
});
