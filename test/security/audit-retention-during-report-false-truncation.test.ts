// Threat: a breach report (`hedge audit report --witness`, the admin API's
// GET /audit/report) says a chain was cut back — `truncated`, disclosures
// missing — when retention merely purged while the report was computed. The
// report reads the chains (verifyStore: each node's purge anchor, then its
// records, page by page) and only then the witness, looking up each witnessed
// head in the store. A running gateway's daily retention purge that commits
// between the two — or between two pages of the walk — moves the chain's
// start past what the report read: the witnessed heads it removed were
// neither in the store nor under the anchor the report had seen (`truncated:
// the store ends at #N`), and the walk found the chain jumping from the
// records it had read to those after the new anchor (`removed`). A false
// alarm in a report for a regulator is not harmless: it says disclosures are
// missing and sends the operator hunting for a cut that never happened.
// Now a head missing at its lookup is settled after the whole witness was
// read, against the signed purge anchor the store holds then; the walk
// continues from a newer signed anchor that the next record chains to. A real
// cut is still reported when a purge races the report.
//
// The purge is injected at the exact point — on the report's first witness
// lookup, or its second page of a chain — by a hook around the real store
// that runs the real purge (purgeBefore, as retention does, with the witness)
// through that store before answering; SQLite and PostgreSQL.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { useAuditBackend, type AuditBackend } from '../helpers/audit.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, keyedVerifier, signerFromKey } from '../../src/audit/keys.js';
import { purgeBefore } from '../../src/audit/purge.js';
import { WitnessFile } from '../../src/audit/witness.js';
import { reportWitness, verifyWithWitness } from '../../src/audit/witness-check.js';
import type { AuditStore } from '../../src/audit/store.js';
import { silentLogger } from '../../src/shared/log.js';

const pair = generateKeyPairSync('ed25519');
const signer = signerFromKey('k1', pair.privateKey);
const verifier = keyedVerifier(new Map([['k1', pair.publicKey]]));
const key = auditKeyFromBytes(randomBytes(32));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Loc = { spec: string; schema: string };

/** One gateway run's audit writer: `n` records, then a clean stop (its shutdown checkpoint witnessed). */
async function run(be: AuditBackend, loc: Loc, node: string, witness: string, n: number): Promise<void> {
  const log = new AuditLog({ store: await be.open(loc), node, key, signer, verifier, log: silentLogger, checkpointIntervalMs: 0, witness: new WitnessFile({ file: witness }) });
  await log.open();
  for (let i = 0; i < n; i++) assert.ok(await log.recordEvent({ type: 'test-event', detail: { i } }));
  await log.close();
}

/**
 * Three runs: #1–#3 (shutdown #3), #4–#6 (shutdown #6), then, after `cut`,
 * #7–#8 (shutdown #8). Returns `cut`: a purge before it removes #1–#6.
 */
async function threeRuns(be: AuditBackend, loc: Loc, node: string, witness: string): Promise<number> {
  await run(be, loc, node, witness, 3);
  await run(be, loc, node, witness, 3);
  await sleep(20);
  const cut = Date.now();
  await sleep(20);
  await run(be, loc, node, witness, 2);
  return cut;
}

/** The real store, with retention's real purge run through it the `nth` time the report calls `method`. */
function purgeOn(store: AuditStore, method: 'get' | 'page', nth: number, before: number, witness: string): { store: AuditStore; purged: () => boolean } {
  let calls = 0;
  let purged = false;
  const hooked = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop !== method) return (v as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        if (++calls === nth) {
          const w = new WitnessFile({ file: witness });
          assert.ok((await purgeBefore(target, before, signer, undefined, w)).length > 0, 'retention removed records');
          await w.close(); // its anchor is in the witness too, as a gateway's would be by now
          purged = true;
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: hooked, purged: () => purged };
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`retention while a report is computed (${name})`, () => {
    const backend = useAuditBackend(name);

    test('a purge between reading the chains and reading the witness is no cut', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      const loc = be.fresh();
      const witness = join(be.dir, `between-${name}.jsonl`);
      const cut = await threeRuns(be, loc, 'gw-between', witness);
      const store = await be.open(loc);
      try {
        const hook = purgeOn(store, 'get', 1, cut, witness); // the first witness lookup: the chains are read by then
        const checked = await verifyWithWitness(hook.store, verifier, witness);
        assert.ok(hook.purged(), 'the purge ran between the two reads');
        assert.equal(checked.witness?.problem, undefined, checked.witness?.problem?.message);
        assert.deepEqual(reportWitness(checked.witness!).problem, null, 'the report says nothing was cut');
        assert.equal(checked.result.ok, true);
        assert.equal(checked.witness!.summary.notInStore, 0);
        assert.deepEqual(
          checked.witness!.summary.heads.map((h) => [h.node, h.seq, h.inStore]),
          [['gw-between', 8, true]],
        );
        // Read again with nothing racing: the same answer.
        const again = await verifyWithWitness(store, verifier, witness);
        assert.equal(again.result.ok, true, again.result.problem?.message);
        assert.equal(again.result.chains[0]!.purgedThrough, 6);
      } finally {
        await store.close();
      }
    });

    test('a purge between two pages of the walk is no removal (records after the anchor, or none left)', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      for (const [label, before, through] of [
        ['part', undefined, 6],
        ['all', Infinity, 8],
      ] as const) {
        const loc = be.fresh();
        const witness = join(be.dir, `walk-${label}-${name}.jsonl`);
        const cut = await threeRuns(be, loc, 'gw-walk', witness);
        const store = await be.open(loc);
        try {
          // After the walk read #1–#2 (pages of 2), retention removes #1–#6 (or every record).
          const hook = purgeOn(store, 'page', 2, before === Infinity ? Date.now() + 1000 : cut, witness);
          const checked = await verifyWithWitness(hook.store, verifier, witness, { pageSize: 2 });
          assert.ok(hook.purged());
          assert.equal(checked.result.ok, true, `${label}: ${checked.result.problem?.message}`);
          assert.equal(checked.result.chains[0]!.purgedThrough, through, label);
          assert.equal(checked.result.chains[0]!.lastSeq, through === 8 ? null : 8, label);
          assert.equal(checked.witness?.problem, undefined, label);
        } finally {
          await store.close();
        }
      }
    });

    test('a real cut is still reported when a purge races the report', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      const loc = be.fresh();
      const witness = join(be.dir, `cut-${name}.jsonl`);
      const cut = await threeRuns(be, loc, 'gw-cut', witness);
      // The cut: #7–#8 and their checkpoint deleted; the store ends at #6.
      await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > 6; DELETE FROM C WHERE node = $1 AND seq > 6', ['gw-cut']);
      const store = await be.open(loc);
      try {
        const hook = purgeOn(store, 'get', 1, cut, witness); // removes #1–#6 under a signed anchor at #6
        const checked = await verifyWithWitness(hook.store, verifier, witness);
        assert.ok(hook.purged());
        const problem = reportWitness(checked.witness!).problem;
        assert.equal(problem?.kind, 'truncated', JSON.stringify(checked.witness));
        assert.equal(problem?.seq, 8, 'the witnessed head the store lacks');
        assert.equal(checked.witness!.summary.notInStore, 1, 'only #8: #3 and #6 are under the anchor');
        assert.equal(checked.result.ok, false);
      } finally {
        await store.close();
      }
    });
  });
}
