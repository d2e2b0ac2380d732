// Threat: the gateway crashes (SIGKILL, power loss: no shutdown checkpoint),
// so the records it wrote since its last checkpoint are covered by no
// signature. While it is down, someone with write access to the audit store
// rewrites that tail — where a number went, and one disclosure deleted — and
// recomputes the hashes. The restarted gateway took the chain as stored,
// continued it from the forged head, and its next checkpoint signed the
// forgery: `hedge audit verify` and `hedge audit report` called the whole
// chain signed and intact. Now the restarted gateway first appends a `resume`
// record with a signed checkpoint of kind `resume`, and verify and report say,
// in every format, that records #N..#M were not covered by a signature before
// an unclean stop and were taken as found at the restart — they never count
// as signed, whatever checkpoints follow. Real gateway processes (SQLite in
// the store's worker thread, PostgreSQL), a real SIGKILL, the real CLI; and a
// restart through the in-thread SQLite store.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { hedgeCli, useAuditBackend, writeConfig, type AuditBackend } from '../helpers/audit.js';
import { portOf, spawnHedge, type HedgeProcess } from '../helpers/hedge-process.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { recordHash, type AuditRecord } from '../../src/audit/record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadAuditKey, loadSigner } from '../../src/audit/keys.js';
import { silentLogger } from '../../src/shared/log.js';

const NODE = 'gw-crash';

function config(origin: EchoOrigin, be: AuditBackend, loc: { spec: string; schema: string }): string {
  return (
    DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') +
    // Checkpoints only by count (never reached here) and at shutdown: the tail after a crash is unsigned.
    be.yaml(loc, { node: NODE, checkpointIntervalMs: 0, checkpointEveryRecords: 1000 })
  );
}

async function start(cfg: string): Promise<{ gw: HedgeProcess; port: number }> {
  const gw = spawnHedge(['start', '-c', cfg]);
  const started = await gw.waitFor((l) => l.msg === 'hedge started', 60_000);
  return { gw, port: portOf(started.proxy) };
}

async function disclose(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = (await viaProxy({ port }, 'http://my.operator.example/')).json();
    assert.equal(r.headers['x-msisdn'], '+447700900123', 'disclosed, so recorded first');
  }
}

async function crash(gw: HedgeProcess): Promise<void> {
  const exited = new Promise<void>((r) => gw.child.once('exit', () => r()));
  gw.child.kill('SIGKILL');
  await exited;
}

/** The forger: #5 now says the number went to the age-verification partner, #7 is gone, hashes recomputed from #5 on. */
async function rewriteTail(be: AuditBackend, loc: { spec: string; schema: string }): Promise<void> {
  const store = await be.open(loc);
  let tail: AuditRecord[];
  try {
    tail = await store.page(NODE, 4, 10);
  } finally {
    await store.close();
  }
  assert.deepEqual(
    tail.map((r) => [r.seq, r.type, r.host]),
    [
      [5, 'disclosure', 'my.operator.example'],
      [6, 'disclosure', 'my.operator.example'],
      [7, 'disclosure', 'my.operator.example'],
    ],
  );
  await be.sql(loc, 'DELETE FROM T WHERE node = $1 AND seq = 7', [NODE]);
  let prev = (await (async () => {
    const s = await be.open(loc);
    try {
      return (await s.get(NODE, 4))!.hash;
    } finally {
      await s.close();
    }
  })())!;
  for (const r of tail.slice(0, 2)) {
    const forged: AuditRecord = r.seq === 5 ? { ...r, partner: 'agegate', host: 'www.agegate.example', prevHash: prev } : { ...r, prevHash: prev };
    forged.hash = recordHash(forged);
    await be.sql(loc, 'UPDATE T SET partner = $1, host = $2, prev_hash = $3, hash = $4 WHERE node = $5 AND seq = $6', [
      forged.partner,
      forged.host,
      forged.prevHash,
      forged.hash,
      NODE,
      forged.seq,
    ]);
    prev = forged.hash;
  }
}

/** Run 1 ends cleanly (records #1–#3 signed at shutdown); run 2 writes #4–#7 and is killed. */
async function crashAfterSignedStart(cfg: string): Promise<void> {
  let run = await start(cfg);
  await disclose(run.port, 2);
  await run.gw.stop();
  run = await start(cfg);
  try {
    await disclose(run.port, 3);
  } finally {
    await crash(run.gw);
  }
}

async function assertFlagged(cfg: string): Promise<void> {
  const v = await hedgeCli(['audit', 'verify', '-c', cfg, '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const res = JSON.parse(v.stdout) as {
    ok: boolean;
    chains: { node: string; lastSignedSeq: number; unsealed: number; unsignedBeforeRestart?: { firstSeq: number; lastSeq: number; restartedAt: string }[] }[];
  };
  assert.equal(res.ok, true, 'nothing verify can prove changed: the chain is consistent');
  const chain = res.chains.find((c) => c.node === NODE)!;
  assert.equal(chain.unsealed, 0, 'a later checkpoint covers the head');
  assert.deepEqual(
    chain.unsignedBeforeRestart?.map((u) => [u.firstSeq, u.lastSeq]),
    [[4, 6]],
    'records #4–#6 were never signed by the gateway that wrote them: not reported as signed',
  );
  const restartedAt = chain.unsignedBeforeRestart![0]!.restartedAt;
  assert.ok(Date.parse(restartedAt) > 0);

  const text = await hedgeCli(['audit', 'verify', '-c', cfg]);
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, new RegExp(`records ${NODE}#4–#6 were not covered by a signature before an unclean stop and were taken as found at the restart at ${restartedAt}`));

  const json = await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { unsignedBeforeRestart?: { node: string; firstSeq: number; lastSeq: number; restartedAt: string }[] };
  assert.deepEqual(
    report.unsignedBeforeRestart?.map((u) => [u.node, u.firstSeq, u.lastSeq, u.restartedAt]),
    [[NODE, 4, 6, restartedAt]],
  );
  assert.match(json.stderr, /UNSIGNED: records gw-crash#4–#6/, 'said where the operator running the report sees it');
  const table = await hedgeCli(['audit', 'report', '-c', cfg]);
  assert.match(table.stdout, /^unsigned +UNSIGNED: records gw-crash#4–#6 were not covered by a signature before an unclean stop/m);
  const csv = (await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'csv'])).stdout.split('\r\n');
  assert.match(csv[0]!, /,unsigned$/);
  assert.match(csv[1]!, /UNSIGNED: records gw-crash#4–#6/);
  const html = (await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'html'])).stdout;
  assert.match(html, /<dd id="unsigned">UNSIGNED: records gw-crash#4–#6/);
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`a crashed gateway's unsigned tail rewritten before its restart (${name})`, () => {
    const backend = useAuditBackend(name);

    test('the restarted gateway (store in its worker thread / PostgreSQL) signs what it found as found, and verify and report say so', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      const loc = be.fresh();
      const origin = await startEchoOrigin('127.0.0.1', 0);
      const runs: HedgeProcess[] = [];
      try {
        const cfg = writeConfig(be.dir, `crash-${name}.yaml`, config(origin, be, loc));
        await crashAfterSignedStart(cfg);
        await rewriteTail(be, loc);
        const run = await start(cfg);
        runs.push(run.gw);
        await disclose(run.port, 1);
        await run.gw.stop();
        await assertFlagged(cfg);
      } finally {
        for (const gw of runs) await gw.stop();
        await origin.close();
      }
    });

    if (name === 'sqlite')
      test('the same, restarted through the in-thread SQLite store', async (t) => {
        if (backend.skip) return t.skip(backend.skip);
        const be = backend.be!;
        const loc = be.fresh();
        const origin = await startEchoOrigin('127.0.0.1', 0);
        try {
          const cfg = writeConfig(be.dir, 'crash-inthread.yaml', config(origin, be, loc));
          await crashAfterSignedStart(cfg);
          await rewriteTail(be, loc);
          const log = new AuditLog({
            store: new SqliteAuditStore(loc.spec.slice('sqlite:'.length)),
            node: NODE,
            key: loadAuditKey(be.keyFile),
            signer: loadSigner(be.signingKeyFile),
            log: silentLogger,
            checkpointIntervalMs: 0,
          });
          await log.open();
          assert.ok(await log.recordEvent({ type: 'test-event' }));
          await log.close();
          await assertFlagged(cfg);
        } finally {
          await origin.close();
        }
      });
  });
}
