// Threat: someone who can write to the audit store (SQLite file, PostgreSQL
// role) cuts a node's chain back to an earlier checkpoint — deletes the newest
// records and the checkpoints that signed them. What is left is a consistent
// chain ending in a signed shutdown checkpoint: it looks like a clean stop
// there, the newest disclosures are gone, and `hedge audit verify` said OK.
// Now each committed checkpoint is also appended to the audit witness
// (`audit.witness.file`, kept where the store's writers cannot reach), and
// `hedge audit verify --witness FILE` reports the chain `truncated`, naming the
// node and the witnessed seq the store lacks — and still does after the
// gateway has written on from the cut (another record at that seq). The
// restarted gateway also exports the head it found (hedge_audit_chain_found_seq)
// below the head the earlier run reached (HedgeAuditChainCutBack, promtool-
// tested in deploy/prometheus/alerts.test.yml). Real gateway processes (SQLite
// in the store's worker thread; PostgreSQL), the real CLI.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hedgeCli, useAuditBackend, writeConfig } from '../helpers/audit.js';
import { runGateway as run, witnessedConfig } from '../helpers/audit-witness.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';

const NODE = 'gw-cut';

interface Verified {
  code: number;
  res: { ok: boolean; problem?: { kind: string; node: string; seq: number; message: string }; chains: { node: string; lastSeq: number }[] };
}

async function verify(cfg: string, ...extra: string[]): Promise<Verified> {
  const v = await hedgeCli(['audit', 'verify', '-c', cfg, '--json', ...extra]);
  assert.ok(v.code === 0 || v.code === 1, v.stdout + v.stderr);
  return { code: v.code, res: JSON.parse(v.stdout) as Verified['res'] };
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`a chain cut back to an earlier checkpoint (${name})`, () => {
    const backend = useAuditBackend(name);

    test('verify alone takes it for a clean stop; verify --witness reports the chain truncated, before and after the gateway writes on', { timeout: 240_000 }, async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      const loc = be.fresh();
      const witness = join(be.dir, `witness-${name}.jsonl`);
      const origin = await startEchoOrigin('127.0.0.1', 0);
      try {
        const cfg = writeConfig(be.dir, `cut-${name}.yaml`, witnessedConfig(origin, be, loc, NODE, witness));
        // Run 1: policy-load #1, disclosures #2–#3, shutdown checkpoint on #3. Run 2: #4–#7, shutdown checkpoint on #7.
        await run(cfg, 2);
        await run(cfg, 3);
        const intact = await verify(cfg, '--witness', witness);
        assert.equal(intact.code, 0, JSON.stringify(intact.res));
        assert.equal(intact.res.chains.find((c) => c.node === NODE)!.lastSeq, 7);
        const intactText = await hedgeCli(['audit', 'verify', '-c', cfg, '--witness', witness]);
        assert.match(intactText.stdout, /^witness .*: 2 signed checkpoint\(s\) of 2 line\(s\), 0 not in the store; highest: gw-cut#7$/m);
        assert.match(intactText.stdout, /^OK: .*; every witnessed head is in the store$/m);

        // The cut: run 2's records and its checkpoint deleted. What is left ends in run 1's signed shutdown checkpoint.
        await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq > 3; DELETE FROM C WHERE node = $1 AND seq > 3', [NODE]);

        const alone = await verify(cfg);
        assert.equal(alone.code, 0, 'the store alone cannot tell: a consistent chain with a signed head');
        assert.equal(alone.res.chains.find((c) => c.node === NODE)!.lastSeq, 3);

        const cut = await verify(cfg, '--witness', witness);
        assert.equal(cut.code, 1, JSON.stringify(cut.res));
        assert.equal(cut.res.ok, false);
        assert.equal(cut.res.problem?.kind, 'truncated');
        assert.equal(cut.res.problem?.node, NODE);
        assert.equal(cut.res.problem?.seq, 7, 'the witnessed head the store lacks');
        assert.match(cut.res.problem!.message, /the store ends at #3/);
        const text = await hedgeCli(['audit', 'verify', '-c', cfg, '--witness', witness]);
        assert.equal(text.code, 1);
        assert.match(text.stdout, /^FAIL \(truncated\): chain gw-cut was truncated: the witness holds a checkpoint of gw-cut#7 \(shutdown, signed at /m);

        // Run 3 starts from the cut (it looks clean) and writes on past #7: the seq is back, the record is not.
        await run(cfg, 4, async (admin) => {
          const metrics = await (await fetch(`http://${admin}/metrics`)).text();
          assert.match(metrics, new RegExp(`^hedge_audit_chain_found_seq\\{node="${NODE}",boot="\\d+"\\} 3$`, 'm'), 'the head this run found, for the alert');
        });
        const rewritten = await verify(cfg, '--witness', witness);
        assert.equal(rewritten.code, 1, JSON.stringify(rewritten.res));
        assert.equal(rewritten.res.chains.find((c) => c.node === NODE)!.lastSeq, 8);
        assert.equal(rewritten.res.problem?.kind, 'truncated');
        assert.equal(rewritten.res.problem?.seq, 7);
        assert.match(rewritten.res.problem!.message, /the store holds another record at #7/);
      } finally {
        await origin.close();
      }
    });
  });
}
