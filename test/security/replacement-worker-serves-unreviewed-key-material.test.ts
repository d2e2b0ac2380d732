// Threat: with `hedge start --workers N`, a replacement worker starts from the
// primary's copy of the config text in force, but reads the files that text
// names — keys.file, a partner's ca, a client's jwksFile, secret files — from
// disk. After `hedge keys rotate` (or a replaced CA or JWKS file) and before
// the reload that reviews it, a worker that died was replaced by one that put
// the new material in service on its own: its share of the partners' requests
// was signed with a key no reload had applied (no exposure diff, canary run or
// audit event), beside workers signing with the old one — two policies at once,
// as if a reload had applied in one worker. The replacement now compares what
// it read with the policy the cluster serves and does not start when they
// differ; the reload applies the new material in every worker, after which
// replacements start with it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoClusterWithKeyFile } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';
import { readKeyFile, rotateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';

/** The keyid each request to the ed25519-signed self-care partner was signed with (a fresh connection each: spread over the workers). */
async function signingKids(proxy: number, n: number): Promise<Set<string>> {
  const kids = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await viaProxy({ port: proxy }, 'http://my.operator.example/');
    const input = String(r.json().headers['signature-input'] ?? '');
    kids.add(/keyid="([^"]+)"/.exec(input)?.[1] ?? 'unsigned');
  }
  return kids;
}

test('a worker replaced after `hedge keys rotate`, before the reload, does not sign with the unreviewed key', { timeout: 240_000 }, async (t) => {
  const c = await startDemoClusterWithKeyFile();
  const { node, started, keyFile } = c;
  after(() => c.stop());
  const proxy = portOf(started()[0]!.proxy);
  const [oldKid] = [...(await signingKids(proxy, 4))];
  assert.ok(oldKid && oldKid !== 'unsigned');

  // Rotated on disk, not reloaded; a worker dies.
  const rotated = rotateKeyFile(readKeyFile(keyFile), 3_600_000);
  writeKeyFile(keyFile, rotated, true);
  const newKid = rotated.signing[0]!.kid;
  process.kill(started()[1]!.workerPid as number, 'SIGKILL');
  const refusal = (l: { msg: string; text?: unknown }) => l.msg === 'non-json' && /worker not started: keys\.file, a partner's ca/.test(String(l.text));
  await node.waitFor((l) => refusal(l) || (l.msg === 'hedge started' && started().length >= 3), 90_000);
  t.diagnostic(`replacement: ${started().length >= 3 ? 'started' : String(node.lines.find(refusal)?.text)}`);
  const kids = await signingKids(proxy, 12);
  assert.deepEqual([...kids], [oldKid], `the cluster signs with the key in force only (new key ${newKid} unreviewed)`);

  // The reload reviews the rotation and applies it in every worker; replacements start with it from then on.
  process.kill(started()[0]!.pid as number, 'SIGHUP');
  const applied = await node.waitFor((l) => l.msg === 'cluster policy reload applied in every worker', 60_000);
  assert.equal(applied.trigger, 'sighup');
  await node.waitFor(() => started().length >= 3, 90_000);
  assert.deepEqual([...(await signingKids(proxy, 12))], [newKid], 'every worker signs with the reloaded key');
});
