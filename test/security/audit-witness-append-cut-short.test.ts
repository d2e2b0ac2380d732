// Threat: the audit witness calls itself "not trusted" — or, worse, reports
// a chain cut back — after an append that landed in part. A full disk or a
// file-size limit stops a write() after some of its bytes; the writer queued
// the whole batch again and appended it after the remains: the remains and
// the first line of the retry ran together into one unreadable line (that
// line lost), and a line of the batch that had landed whole was written a
// second time (a head repeated after a later one reads as a chain that went
// back). Exactly when the disk fills — the moment an operator most needs the
// report — the witness stopped being evidence. Now the writer counts the bytes
// that landed: lines written whole are not written again, the line cut short
// is written again whole, after an end of line; and the check takes a line
// that is the beginning of a later line for what it is (witness-check.ts).
// Remains nothing completes (a crash mid-append) are still not trusted, but
// no longer swallow the next line.
//
// The partial write is real: the writer runs in a process under a file-size
// limit (prlimit --fsize), raised once the write failed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { useAuditBackend } from '../helpers/audit.js';
import { unavailable } from '../helpers/services.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, keyedVerifier, signerFromKey } from '../../src/audit/keys.js';
import { WitnessFile } from '../../src/audit/witness.js';
import { verifyWithWitness } from '../../src/audit/witness-check.js';
import { silentLogger } from '../../src/shared/log.js';

const pair = generateKeyPairSync('ed25519');
const signer = signerFromKey('k1', pair.privateKey);
const verifier = keyedVerifier(new Map([['k1', pair.publicKey]]));
const key = auditKeyFromBytes(randomBytes(32));
/** Why the partial write cannot be made here (a skip; a failure under CI=true), or undefined. */
const noPrlimit = spawnSync('prlimit', ['--version']).status === 0 ? undefined : unavailable('prlimit', 'install util-linux');

describe('a witness append that landed in part', () => {
  const backend = useAuditBackend('sqlite');

  /** A store with four runs of a gateway, and their witness lines (one checkpoint each). */
  async function fourRuns(name: string) {
    const be = backend.be!;
    const loc = be.fresh();
    const first = join(be.dir, `${name}-first.jsonl`);
    for (let run = 0; run < 4; run++) {
      const log = new AuditLog({
        store: await be.open(loc),
        node: name,
        key,
        signer,
        verifier,
        log: silentLogger,
        checkpointIntervalMs: 0,
        witness: new WitnessFile({ file: first }),
      });
      await log.open();
      assert.ok(await log.recordEvent({ type: 'test-event', detail: { run } }));
      await log.close();
    }
    const lines = readFileSync(first, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 4);
    return { be, loc, lines };
  }

  test('cut short by a file-size limit, then written again: every checkpoint witnessed once, trusted', { skip: noPrlimit ?? false }, async () => {
    const { be, loc, lines } = await fourRuns('gw-cut');
    const witness = join(be.dir, 'cut.jsonl');
    const cps = join(be.dir, 'cut-checkpoints.json');
    writeFileSync(cps, JSON.stringify(lines.map((l) => JSON.parse(l))));
    // Room for line 1, line 2 and 30 bytes of line 3: lines 2 and 3 go in one append, which lands in part.
    const limit = Buffer.byteLength(lines[0]! + lines[1]!) + 2 + 30;
    const child = spawn('prlimit', [`--fsize=${limit}:unlimited`, '--', process.execPath, '--import', 'tsx', 'test/helpers/witness-writer-child.ts', witness, cps], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const said: string[] = [];
    const waiters: [RegExp, () => void][] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => {
      said.push(l);
      for (const [re, go] of waiters) if (re.test(l)) go();
    });
    const saying = (re: RegExp) => (said.some((l) => re.test(l)) ? Promise.resolve() : new Promise<void>((r) => waiters.push([re, r])));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      child.stdin!.write('w 0\n');
      await saying(/^written 1$/);
      // Lines 2 and 3 queued together: one append of both.
      child.stdin!.write('w 1\nw 2\n');
      await saying(/^failing EFBIG$/);
      assert.equal(readFileSync(witness).length, limit, 'the append landed in part, up to the limit');
      assert.equal(spawnSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited:unlimited']).status, 0);
      child.stdin!.write('w 3\nclose\n');
      await saying(/^closed$/);
      assert.equal(await exited, 0);
    } finally {
      child.kill();
    }
    assert.ok(said.includes('recovered'), said.join(' | '));
    const text = readFileSync(witness, 'utf8');
    const written = text.split('\n').filter(Boolean);
    assert.deepEqual(written, [lines[0], lines[1], lines[2]!.slice(0, 30), lines[2], lines[3]], 'line 2 once, line 3 cut short and then whole');

    const store = await be.open(loc);
    try {
      const checked = await verifyWithWitness(store, verifier, witness);
      assert.equal(checked.witness?.problem, undefined, checked.witness?.problem?.message);
      assert.equal(checked.witness!.summary.signed, 4);
      assert.equal(checked.witness!.summary.lines, 4);
      assert.deepEqual(checked.witness!.summary.cutShort, [3]);
      assert.deepEqual(checked.witness!.summary.rejected, []);
    } finally {
      await store.close();
    }
  });

  test('remains of a crash mid-append: not trusted, and the next line is not lost in them', async () => {
    const { be, loc, lines } = await fourRuns('gw-crash');
    const witness = join(be.dir, 'crash.jsonl');
    // A writer died 60 bytes into line 2; a new one starts and witnesses line 3.
    writeFileSync(witness, lines[0] + '\n' + lines[1]!.slice(0, 60));
    const w = new WitnessFile({ file: witness });
    await w.ensureExists();
    w.witness(JSON.parse(lines[2]!));
    await w.close();
    assert.equal(readFileSync(witness, 'utf8'), [lines[0], lines[1]!.slice(0, 60), lines[2], ''].join('\n'));
    const store = await be.open(loc);
    try {
      const checked = await verifyWithWitness(store, verifier, witness);
      assert.equal(checked.witness!.summary.signed, 2, 'line 3 read and signed');
      assert.deepEqual(checked.witness!.summary.rejected, [{ line: 2, node: null, seq: null, reason: 'unreadable' }]);
      assert.match(checked.witness!.problem!.message, /^witness line 2 is not a witness checkpoint: not trusted$/);
    } finally {
      await store.close();
    }
  });
});
