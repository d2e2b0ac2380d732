// The audit witness (src/audit/witness.ts, witness-check.ts): the writer
// appends one line per committed checkpoint and never makes a commit wait or
// fail when it cannot; the check trusts only lines the gateway key signed,
// reports the others, and finds a chain cut back only where the store lacks a
// witnessed head. The regression against a real gateway is
// test/security/audit-truncated-to-earlier-checkpoint.test.ts.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { AuditMetrics } from '../../src/audit/metrics.js';
import { auditKeyFromBytes, keyedVerifier, signerFromKey } from '../../src/audit/keys.js';
import { verifyStore } from '../../src/audit/verify.js';
import { purgeBefore } from '../../src/audit/purge.js';
import { checkWitness } from '../../src/audit/witness-check.js';
import { MAX_QUEUED, WitnessFile } from '../../src/audit/witness.js';
import { ErrorCodes, HedgeError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/log.js';
import { waitFor } from '../helpers/wait.js';
import { ROOT } from '../helpers/audit.js';
import { spawn } from 'node:child_process';

const k1 = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const signer = signerFromKey('k1', k1.privateKey);
const verifier = keyedVerifier(new Map([['k1', k1.publicKey]]));
const key = auditKeyFromBytes(randomBytes(32));

let dir: string;
let db: string;
let witnessFile: string;
const stores: SqliteAuditStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hedge-witness-'));
  db = join(dir, 'audit.db');
  witnessFile = join(dir, 'witness.jsonl');
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(): SqliteAuditStore {
  const s = new SqliteAuditStore(db);
  stores.push(s);
  return s;
}

/** A writer whose checkpoints also go to `witness` (default: a WitnessFile on witnessFile). */
async function writer(witness = new WitnessFile({ file: witnessFile }), metrics?: AuditMetrics): Promise<AuditLog> {
  const log = new AuditLog({ store: openStore(), node: 'gw', key, signer, verifier, log: silentLogger, checkpointIntervalMs: 0, witness, metrics });
  await log.open();
  return log;
}

async function write(log: AuditLog, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.ok(await log.recordEvent({ type: 'test-event', detail: { i } }));
}

async function check() {
  const store = openStore();
  await store.init();
  const v = await verifyStore(store, { verifier });
  assert.equal(v.ok, true, v.problem?.message);
  return checkWitness(store, witnessFile, verifier, v.chains);
}

const lines = () =>
  readFileSync(witnessFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('each committed checkpoint becomes one line holding exactly the checkpoint: node, seq, hash, time, kind, key id, signature, detail', async () => {
  let log = await writer();
  await write(log, 2);
  await log.checkpoint('periodic');
  await write(log, 1);
  await log.close();
  log = await writer();
  await log.close();
  const got = lines();
  assert.deepEqual(
    got.map((l) => `${l.seq}:${l.kind}`),
    ['2:periodic', '3:shutdown', '3:shutdown'],
  );
  for (const l of got) assert.deepEqual(Object.keys(l), ['node', 'seq', 'hash', 'time', 'kind', 'keyId', 'signature', 'detail']);
  // The store keeps one checkpoint per seq and kind (the first shutdown one here); the witness has each as written.
  for (const c of await openStore().checkpoints('gw'))
    assert.ok(
      got.some((l) => l.signature === c.signature && l.hash === c.hash && l.time === c.time),
      'the very checkpoints the store holds',
    );
  const { summary, problem } = await check();
  assert.equal(problem, undefined);
  assert.deepEqual(summary.heads, [{ node: 'gw', seq: 3, time: summary.heads[0]!.time, kind: 'shutdown', inStore: true }]);
  assert.equal(summary.signed, 3);
});

test('a witness that cannot be written: commits go on, the failure is counted and raised once, queued lines are written when it can be', async () => {
  const registry = new Registry();
  const metrics = new AuditMetrics(registry, 'sqlite');
  const failing: string[] = [];
  let recovered = 0;
  const file = join(dir, 'not-yet', 'witness.jsonl');
  const w = new WitnessFile({ file, count: (r, n) => metrics.witness(r, n), onFailing: (code) => failing.push(code), onRecovered: () => recovered++ });
  const log = await writer(w, metrics);
  await write(log, 2);
  await log.checkpoint('periodic');
  await write(log, 2);
  await log.checkpoint('periodic');
  await waitFor(
    'a failed append, both lines kept',
    async () => w.pending === 2 && (await registry.getSingleMetric('hedge_audit_witness_lines_total')!.get()).values.some((v) => v.labels.result === 'failed'),
  );
  assert.deepEqual(failing, ['ENOENT'], 'raised once per outage, with the error code only');
  mkdirSync(join(dir, 'not-yet'));
  await write(log, 1);
  await log.close(); // the shutdown checkpoint's append takes the queued ones along
  assert.equal(recovered, 1);
  assert.deepEqual(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { seq: number }).seq),
    [2, 4, 5],
    'in order',
  );
  const v = await verifyStore(openStore(), { verifier });
  assert.equal(v.ok, true);
  assert.equal(v.chains[0]!.lastSeq, 5, 'every record committed while the witness failed');
});

test('while the witness fails its queue is bounded: the oldest lines are dropped and counted', async () => {
  const counts = { written: 0, failed: 0, dropped: 0 };
  const w = new WitnessFile({ file: join(dir, 'missing', 'w.jsonl'), count: (r, n) => (counts[r] += n) });
  const cp = { node: 'gw', seq: 1, hash: '0'.repeat(64), time: 0, kind: 'periodic' as const, keyId: 'k1', signature: 'x', detail: '{}' };
  w.witness(cp);
  await waitFor('the failed append', () => counts.failed === 1, 5000);
  for (let i = 2; i <= MAX_QUEUED + 5; i++) w.witness({ ...cp, seq: i });
  await w.close(1000); // each new checkpoint tried the file again; let the last try end
  assert.equal(w.pending, MAX_QUEUED);
  assert.equal(counts.dropped, 5);
  assert.equal(counts.written, 0);
});

test('the head this run found is exported, with the head it writes, for the cut-back alert', async () => {
  const registry = new Registry();
  let log = await writer(undefined, new AuditMetrics(registry, 'sqlite'));
  await write(log, 3);
  await log.close();
  const r2 = new Registry();
  log = await writer(undefined, new AuditMetrics(r2, 'sqlite'));
  await write(log, 2);
  const text = await r2.metrics();
  assert.match(text, /^hedge_audit_chain_found_seq\{node="gw",boot="\d+"\} 3$/m);
  assert.match(text, /^hedge_audit_chain_head_seq\{node="gw",boot="\d+"\} 5$/m);
  await log.close();
});

test('a forged or altered witness line is reported, not trusted: it neither hides a cut nor invents one', async () => {
  const log = await writer();
  await write(log, 3);
  await log.close();
  const [real] = lines();
  // A head the gateway never signed, far beyond the chain: "signed" by another key, and by nobody.
  const forgedBy = signerFromKey('k1', other.privateKey);
  appendFileSync(witnessFile, JSON.stringify({ ...real!, seq: 99, signature: forgedBy.sign(`seq 99 of ${String(real!.node)}`) }) + '\n');
  appendFileSync(witnessFile, JSON.stringify({ ...real!, hash: 'f'.repeat(64) }) + '\n');
  appendFileSync(witnessFile, 'not json\n');
  const { summary, problem } = await check();
  assert.equal(summary.signed, 1);
  assert.deepEqual(
    summary.rejected.map((r) => [r.line, r.node, r.seq, r.reason]),
    [
      [2, 'gw', 99, 'signature'],
      [3, 'gw', 3, 'signature'],
      [4, null, null, 'unreadable'],
    ],
  );
  assert.equal(summary.notInStore, 0, 'no cut reported from an untrusted line');
  assert.equal(problem?.kind, 'witness');
  assert.match(problem!.message, /^witness line 2 \(gw#99\) has no valid signature by the gateway key .*: forged or altered, not trusted$/);
});

test('a witnessed head removed by retention is no cut: the signed purge anchor vouches for it', async () => {
  const log = await writer();
  await write(log, 3);
  await log.close();
  const store = openStore();
  await purgeBefore(store, Date.now() + 1000, signer);
  const { summary, problem } = await check();
  assert.equal(problem, undefined, problem?.message);
  assert.equal(summary.heads[0]!.inStore, true);
});

test('a missing witness file is an error (exit 2), not an empty witness', async () => {
  const store = openStore();
  await store.init();
  await assert.rejects(
    checkWitness(store, join(dir, 'nope.jsonl'), verifier, []),
    (e: unknown) => e instanceof HedgeError && e.code === ErrorCodes.AUDIT_WITNESS && /cannot read the audit witness: ENOENT/.test(e.message),
  );
  writeFileSync(witnessFile, '');
  const { summary, problem } = await checkWitness(store, witnessFile, verifier, []);
  assert.equal(problem, undefined);
  assert.equal(summary.lines, 0);
});

test('two processes flushing a backlog into one witness file at once: every line lands whole (--workers)', { timeout: 60_000 }, async () => {
  // Each child queues MAX_QUEUED lines of 8 KiB while the file's folder is missing, then both flush the moment it exists:
  // 8 MiB each, which Node would write in 512 KiB pieces — between which the other's could land, mid-line.
  const file = join(dir, 'shared', 'witness.jsonl');
  const child = (name: string) =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { WitnessFile, MAX_QUEUED } from ${JSON.stringify(join(ROOT, 'src/audit/witness.ts'))};
         import { existsSync } from 'node:fs';
         import { dirname } from 'node:path';
         let failing = false;
         const w = new WitnessFile({ file: ${JSON.stringify(file)}, onFailing: () => (failing = true) });
         const cp = { node: ${JSON.stringify(name)}, seq: 1, hash: '0'.repeat(64), time: 0, kind: 'periodic', keyId: 'k1', signature: 'x', detail: 'y'.repeat(8192) };
         w.witness(cp);
         while (!failing) await new Promise((r) => setTimeout(r, 5));
         for (let i = 2; i < MAX_QUEUED; i++) w.witness({ ...cp, seq: i });
         await w.close(5000); // the last failed try ends: the next checkpoint's drain writes the whole backlog
         console.log('ready');
         while (!existsSync(dirname(${JSON.stringify(file)}))) await new Promise((r) => setImmediate(r));
         w.witness({ ...cp, seq: MAX_QUEUED });
         await w.close(30_000);
         process.exit(w.pending === 0 ? 0 : 3);`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
  const kids = [child('gw-w1'), child('gw-w2')];
  const exits = kids.map((k) => new Promise<number | null>((r) => k.once('exit', r)));
  await Promise.all(kids.map((k) => new Promise<void>((r) => k.stdout!.once('data', () => r()))));
  mkdirSync(join(dir, 'shared'));
  assert.deepEqual(await Promise.all(exits), [0, 0]);
  const text = readFileSync(file, 'utf8');
  const seen = new Map<string, number>();
  text
    .split('\n')
    .filter(Boolean)
    .forEach((l, i) => {
      let p: { node: string; seq: number };
      try {
        p = JSON.parse(l) as { node: string; seq: number };
      } catch {
        assert.fail(`line ${i + 1} is not one whole line (appends interleaved): ${l.slice(0, 80)}…${l.slice(-80)}`);
      }
      seen.set(p.node, (seen.get(p.node) ?? 0) + 1);
    });
  assert.deepEqual(Object.fromEntries(seen), { 'gw-w1': MAX_QUEUED, 'gw-w2': MAX_QUEUED });
});
