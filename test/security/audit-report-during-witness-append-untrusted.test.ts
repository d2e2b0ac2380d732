// Threat: a breach report (`hedge audit report --witness`, the admin API's
// GET /audit/report) calls the audit witness "not trusted" because it read the
// file while a gateway was appending to it. An append is one write() of whole
// lines, but a reader can see it half done (a read overlapping the write, a
// shipper's copy taken mid-write): the last line without its end. That line
// was judged like any other — not a witness checkpoint — so the report said
// WITNESS NOT TRUSTED (exit 1): a false alarm, and one that teaches operators
// to shrug at the real one. Now a last line without its end of line is a write
// in progress: the file is read again from it after a short wait, within a
// bound (witness-lines.ts), and only a line still unfinished then is not
// trusted. A malformed line that has its end of line — in the middle, or
// last — is not trusted at once, as before.
//
// The witness lines are real (a real writer's checkpoints); the append in
// progress is their last line's bytes landing in two pieces, the second 150
// ms after the report started. Through verifyWithWitness (what the CLI and the
// admin API call) and through a running gateway's GET /audit/report.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useAuditBackend, writeConfig } from '../helpers/audit.js';
import { witnessedConfig } from '../helpers/audit-witness.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, keyedVerifier, signerFromKey } from '../../src/audit/keys.js';
import { WitnessFile } from '../../src/audit/witness.js';
import { reportWitness, verifyWithWitness } from '../../src/audit/witness-check.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import type { BreachReport } from '../../src/audit/report.js';

const pair = generateKeyPairSync('ed25519');
const signer = signerFromKey('k1', pair.privateKey);
const verifier = keyedVerifier(new Map([['k1', pair.publicKey]]));
const key = auditKeyFromBytes(randomBytes(32));

/** The file as a reader sees it mid-append: every line but the last, and `cut` bytes of the last; returns the rest. */
function midAppend(file: string, cut: number): Buffer {
  const whole = readFileSync(file);
  const lastStart = whole.subarray(0, whole.length - 1).lastIndexOf(0x0a) + 1;
  writeFileSync(file, whole.subarray(0, lastStart + cut));
  return whole.subarray(lastStart + cut);
}

describe('a report reading the witness while a line is being appended', () => {
  const backend = useAuditBackend('sqlite');

  test('the half-written last line is waited for, not called untrusted; one still unfinished after the wait, or a malformed line before others, is not trusted', async () => {
    const be = backend.be!;
    const loc = be.fresh();
    const witness = join(be.dir, 'appending.jsonl');
    for (let run = 0; run < 3; run++) {
      const log = new AuditLog({
        store: await be.open(loc),
        node: 'gw-append',
        key,
        signer,
        verifier,
        log: silentLogger,
        checkpointIntervalMs: 0,
        witness: new WitnessFile({ file: witness }),
      });
      await log.open();
      assert.ok(await log.recordEvent({ type: 'test-event', detail: { run } }));
      await log.close();
    }
    const full = readFileSync(witness);
    const store = await be.open(loc);
    try {
      // The last line's first 40 bytes are there; the rest lands 150 ms into the report.
      const rest = midAppend(witness, 40);
      const landed = new Promise<void>((r) => setTimeout(() => r(appendFileSync(witness, rest)), 150));
      const checked = await verifyWithWitness(store, verifier, witness);
      await landed;
      assert.equal(checked.witness?.problem, undefined, checked.witness?.problem?.message);
      assert.deepEqual(reportWitness(checked.witness!), { file: witness, lines: 3, signed: 3, problem: null });
      assert.equal(checked.result.ok, true);

      // Everything but the final end of line: a whole, signed line — used at once, no wait.
      writeFileSync(witness, full.subarray(0, full.length - 1));
      const started = Date.now();
      const copy = await verifyWithWitness(store, verifier, witness);
      assert.ok(Date.now() - started < 900, 'not waited for');
      assert.deepEqual(reportWitness(copy.witness!).problem, null);
      assert.equal(copy.witness!.summary.signed, 3);

      // An append that never finishes: not trusted once the wait is over (about a second).
      writeFileSync(witness, full);
      midAppend(witness, 40);
      const stuck = await verifyWithWitness(store, verifier, witness);
      const p = reportWitness(stuck.witness!).problem;
      assert.equal(p?.kind, 'witness');
      assert.match(p!.message, /^witness line 3 is incomplete: the last line has no end of line and was not finished within the wait/);
      assert.deepEqual(stuck.witness!.summary.rejected, [{ line: 3, node: null, seq: null, reason: 'incomplete' }]);

      // A malformed line followed by others is complete, and not trusted, with no wait.
      const lines = full.toString('utf8').split('\n');
      writeFileSync(witness, [lines[0], lines[1]!.slice(0, 40), lines[2], ''].join('\n'));
      const t0 = Date.now();
      const mid = await verifyWithWitness(store, verifier, witness);
      assert.ok(Date.now() - t0 < 900, 'not waited for');
      assert.equal(reportWitness(mid.witness!).problem?.kind, 'witness');
      assert.match(reportWitness(mid.witness!).problem!.message, /^witness line 2 is not a witness checkpoint: not trusted$/);
    } finally {
      await store.close();
    }
  });

  test("GET /audit/report of a running gateway while its witness's last line is half written: served, trusted", { timeout: 120_000 }, async () => {
    const be = backend.be!;
    const loc = be.fresh();
    const witness = join(be.dir, 'gateway-appending.jsonl');
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const cfg = writeConfig(be.dir, 'appending.yaml', witnessedConfig(origin, be, loc, 'gw-admin-append', witness));
      // Two clean runs: two witnessed shutdown checkpoints (#1, #2: each run's policy-load).
      for (let i = 0; i < 2; i++) await (await startGateway(loadConfigFile(cfg), { log: silentLogger })).stop(200);
      const gw = await startGateway(loadConfigFile(cfg), { log: silentLogger });
      try {
        const rest = midAppend(witness, 40);
        setTimeout(() => appendFileSync(witness, rest), 150);
        const r = await fetch(`${gw.adminUrl}/audit/report?format=json`, { signal: AbortSignal.timeout(30_000) });
        const text = await r.text();
        assert.equal(r.status, 200, text);
        const rep = JSON.parse(text) as BreachReport;
        assert.deepEqual(rep.witness && { ...rep.witness, file: null }, { file: null, lines: 2, signed: 2, problem: null });
      } finally {
        await gw.stop(200);
      }
    } finally {
      await origin.close();
    }
  });
});
