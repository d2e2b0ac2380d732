// Real gateway runs that write an audit witness (audit.witness.file), for the
// tests of a chain cut back to an earlier checkpoint: the demo config with
// checkpoints at shutdown only (each run ends with one signed head), and one
// run of the gateway that makes N disclosures and stops cleanly.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO_YAML, viaProxy } from './gateway.js';
import { hedgeCli, type AuditBackend } from './audit.js';
import { portOf, spawnHedge, type HedgeProcess } from './hedge-process.js';
import type { EchoOrigin } from '../../src/demo/echo-origin.js';

/** The demo config on loopback port 0 with an audit section for `node` and the witness file. */
export function witnessedConfig(origin: EchoOrigin, be: AuditBackend, loc: { spec: string; schema: string }, node: string, witness: string): string {
  return (
    DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') +
    // Checkpoints at shutdown only: each run ends with a signed head.
    be.yaml(loc, { node, checkpointIntervalMs: 0, checkpointEveryRecords: 1000 }) +
    `  witness:\n    file: ${JSON.stringify(witness)}\n`
  );
}

/** The environment of a `hedge` child whose wall clock runs `ms` behind (negative) or ahead (shifted-clock.mjs). */
export function shiftedClock(ms: number): NodeJS.ProcessEnv {
  const preload = fileURLToPath(new URL('./shifted-clock.mjs', import.meta.url));
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(preload).href}`.trim(), HEDGE_TEST_CLOCK_SHIFT_MS: String(ms) };
}

/**
 * One run of `hedge start`: `disclosures` requests through the proxy (each
 * disclosed, so recorded), then `during`, then a clean stop. `env`: e.g.
 * shiftedClock(), for records written days ago.
 */
export async function runGateway(cfg: string, disclosures: number, during?: (admin: string) => Promise<void>, env?: NodeJS.ProcessEnv): Promise<void> {
  const gw: HedgeProcess = spawnHedge(['start', '-c', cfg], env);
  try {
    const started = await gw.waitFor((l) => l.msg === 'hedge started', 60_000);
    const port = portOf(started.proxy);
    for (let i = 0; i < disclosures; i++) {
      const r = (await viaProxy({ port }, 'http://my.operator.example/')).json();
      assert.equal(r.headers['x-msisdn'], '+447700900123', 'disclosed, so recorded first');
    }
    await during?.(started.admin as string);
  } finally {
    await gw.stop();
  }
}

export interface WitnessVerified {
  code: number;
  res: { ok: boolean; problem?: { kind: string; node: string; seq: number; message: string }; chains: { node: string; lastSeq: number | null; purgedThrough: number | null }[] };
}

/** `hedge audit verify --witness --json`: its exit status (0 or 1) and its answer. */
export async function verifyAgainstWitness(cfg: string, witness: string): Promise<WitnessVerified> {
  const v = await hedgeCli(['audit', 'verify', '-c', cfg, '--json', '--witness', witness]);
  assert.ok(v.code === 0 || v.code === 1, v.stdout + v.stderr);
  return { code: v.code, res: JSON.parse(v.stdout) as WitnessVerified['res'] };
}

/** The witness file's lines as `kind#seq` (none while the file is not there). */
export function witnessHeads(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const cp = JSON.parse(l) as { seq: number; kind: string };
      return `${cp.kind}#${cp.seq}`;
    });
}

/**
 * After the cut the tests make (a chain cut back from #7 to #3, written on to #8) and a purge of every
 * record through #8: verify still reports the cut — at the witnessed head #7, by the checkpoint #8 that
 * continues from #3 — and exits 1.
 */
export function assertCutOutlivesPurge(v: WitnessVerified, node: string): void {
  assert.equal(v.res.chains.find((c) => c.node === node)?.purgedThrough, 8);
  assert.equal(v.code, 1, `the cut must not vanish with the purged records: ${JSON.stringify(v.res)}`);
  assert.equal(v.res.problem?.kind, 'truncated');
  assert.equal(v.res.problem?.node, node);
  assert.equal(v.res.problem?.seq, 7, 'the witnessed head that was cut');
  assert.match(v.res.problem!.message, new RegExp(`checkpoint of ${node}#8 .*continues from #3`));
}
