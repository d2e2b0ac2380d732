// On both stores: an append is stored only when it continues its node's chain
// as stored (the record or purge anchor before it, by seq and hash; or a new
// chain). A batch chained from records that never committed, or from a head
// another writer has since moved, is refused whole — with the checkpoint it
// carries — so a gap or a fork never reaches the store; and two gateways
// misconfigured with one node name withhold each other's disclosures but
// leave a chain that verifies.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { useAuditBackend } from '../helpers/audit.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { auditKeyFromBytes, signerFromKey } from '../../src/audit/keys.js';
import { GENESIS, recordHash, type AuditRecord, type Checkpoint } from '../../src/audit/record.js';
import type { AuditStore, ChainHead } from '../../src/audit/store.js';
import { verifyStore } from '../../src/audit/verify.js';
import { silentLogger } from '../../src/shared/log.js';

let made = 0;

/** `n` event records of `node`, chained after `from` (each one distinct). */
function chained(node: string, from: ChainHead | undefined, n: number): AuditRecord[] {
  let seq = from?.seq ?? 0;
  let prev = from?.hash ?? GENESIS;
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r: AuditRecord = {
      node,
      seq: ++seq,
      time: Date.now(),
      type: 'test-event',
      requestId: null,
      partner: null,
      host: null,
      policyVersion: null,
      subjectRef: null,
      subjectSealed: null,
      detail: JSON.stringify({ made: ++made }),
      prevHash: prev,
      hash: '',
    };
    r.hash = recordHash(r);
    prev = r.hash;
    out.push(r);
  }
  return out;
}

const headOf = (rs: readonly AuditRecord[]): ChainHead => ({ seq: rs[rs.length - 1]!.seq, hash: rs[rs.length - 1]!.hash });

const checkpointAt = (h: ChainHead): Checkpoint => ({ node: 'gw', seq: h.seq, hash: h.hash, time: Date.now(), kind: 'periodic', keyId: 'k', signature: 'sig', detail: '{}' });

function auditLog(store: AuditStore): AuditLog {
  const { privateKey } = generateKeyPairSync('ed25519');
  return new AuditLog({ store, node: 'gw', key: auditKeyFromBytes(randomBytes(32)), signer: signerFromKey('test', privateKey), log: silentLogger, retryAfterMs: 20 });
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`audit chain continuity on ${name}`, () => {
    const backend = useAuditBackend(name);

    test('an append that does not continue the stored chain is refused whole, checkpoint included', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const store = await backend.be!.open(backend.be!.fresh());
      try {
        const a = chained('gw', undefined, 2);
        await store.append(a);
        const lost = chained('gw', headOf(a), 2); // as if its commit had failed
        const gap = chained('gw', headOf(lost), 2);
        await assert.rejects(store.append(gap, checkpointAt(headOf(gap))), { code: 'CHAIN_DISCONTINUITY' });
        const fork = chained('gw', { seq: headOf(a).seq, hash: 'f'.repeat(64) }, 1);
        await assert.rejects(store.append(fork), { code: 'CHAIN_DISCONTINUITY' }, 'the right seq after a different record');
        await assert.rejects(store.append(chained('gw', undefined, 1)), 'a new chain where one exists');
        assert.equal(await store.count('gw'), 2, 'nothing of the refused appends is stored');
        assert.deepEqual(await store.checkpoints('gw'), [], 'nor the checkpoint one carried');

        const next = chained('gw', headOf(a), 2);
        await store.append(next, checkpointAt(headOf(next)));
        assert.equal(await store.count('gw'), 4);
        assert.equal((await store.checkpoints('gw')).length, 1);
        await store.append(chained('other', undefined, 1)); // each node its own chain
        const v = await verifyStore(store);
        assert.equal(v.ok, true, v.problem?.message);
      } finally {
        await store.close();
      }
    });

    test('two writers with one node name withhold what they cannot chain, and the chain verifies', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const loc = backend.be!.fresh();
      const storeA = await backend.be!.open(loc);
      const storeB = await backend.be!.open(loc);
      const a = auditLog(storeA);
      const b = auditLog(storeB);
      try {
        await a.open();
        await b.open(); // both read the same (empty) head
        const committed: boolean[] = [];
        for (let i = 0; i < 12; i++) {
          committed.push(await (i % 2 ? b : a).recordEvent({ type: 'test-event', detail: { i } }));
          await new Promise((r) => setTimeout(r, 25)); // past retryAfterMs: a writer that failed re-reads the head
        }
        assert.ok(
          committed.some((c) => !c),
          'a writer whose head another moved is refused',
        );
        assert.ok(committed.filter((c) => c).length >= 2);
        await a.close();
        await b.close();
        const check = await backend.be!.open(loc);
        try {
          assert.equal(await check.count('gw'), committed.filter((c) => c).length, 'exactly the records reported committed are stored');
          const v = await verifyStore(check);
          assert.equal(v.ok, true, v.problem?.message);
        } finally {
          await check.close();
        }
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
