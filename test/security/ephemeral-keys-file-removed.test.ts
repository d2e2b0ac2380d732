// Threat: a --workers cluster started without keys.file signs with one per-run
// key that the primary writes to a private file under the temporary directory
// (cluster/ephemeral-keys.ts), read by every worker it forks. A temporary-file
// cleaner (systemd-tmpfiles, tmpreaper) may remove that file from a cluster
// that ran long enough: every replacement worker then failed to start, so each
// worker that died took its share of the gateway's capacity with it for good.
// The primary holds the key material and writes the file again (0600) before
// it forks a replacement, which then signs with the same key as the others.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { verifyRequest, type Jwk } from 'hedge-partner';
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { viaProxy, type EchoBody } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';
import { EPHEMERAL_KEYS_ENV } from '../../src/keys/material.js';

async function jwksOf(admin: number): Promise<{ keys: Jwk[] }> {
  return (await (await fetch(`http://127.0.0.1:${admin}/.well-known/jwks.json`)).json()) as { keys: Jwk[] };
}

test('--workers 2 without keys.file: the per-run key file removed by a temp cleaner — a replacement starts and signs with the same key', { timeout: 180_000 }, async (t) => {
  const c = await startDemoCluster();
  const { node, started } = c;
  after(() => c.stop());
  const [w1, w2] = started();
  const admin = portOf(w1!.admin);
  const proxy = portOf(w1!.proxy);
  const jwks = await jwksOf(admin);
  const env = readFileSync(`/proc/${String(w1!.workerPid)}/environ`, 'utf8').split('\0');
  const keysFile = env.find((e) => e.startsWith(`${EPHEMERAL_KEYS_ENV}=`))!.slice(EPHEMERAL_KEYS_ENV.length + 1);
  rmSync(dirname(keysFile), { recursive: true, force: true });

  process.kill(w2!.workerPid as number, 'SIGKILL');
  await node.waitFor(() => started().length >= 3, 30_000);
  assert.equal(node.child.exitCode, null, 'the primary is still running');
  assert.equal(statSync(keysFile).mode & 0o777, 0o600, 'written again, readable by the gateway only');
  assert.equal(statSync(dirname(keysFile)).mode & 0o777, 0o700);

  // Fresh connections are handed out in turn: the replacement answers some of them.
  const kids = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const e: EchoBody = (await viaProxy({ port: proxy }, 'http://my.operator.example/')).json();
    const v = await verifyRequest({ method: e.method, url: e.path, headers: e.headers }, { partnerId: 'selfcare', jwks, nonces: false });
    t.diagnostic(`request ${i}: ${v.ok ? `verified, keyid ${v.keyid}` : `${v.reason}: ${v.message}`}`);
    assert.ok(v.ok, `request ${i} verifies with the JWKS published before the file was removed`);
    kids.add(v.keyid);
  }
  assert.equal(kids.size, 1, 'one signing key across the workers');
  for (let i = 0; i < 4; i++) assert.deepEqual(await jwksOf(admin), jwks, 'every worker publishes the same JWKS');
});

test(
  '--workers 2: something else where the per-run key folder was — the replacement starts from keys in a new private folder, the primary stays up',
  { timeout: 180_000 },
  async () => {
    const c = await startDemoCluster();
    const { node, started } = c;
    after(() => c.stop());
    const [w1, w2] = started();
    const env = readFileSync(`/proc/${String(w1!.workerPid)}/environ`, 'utf8').split('\0');
    const keysFile = env.find((e) => e.startsWith(`${EPHEMERAL_KEYS_ENV}=`))!.slice(EPHEMERAL_KEYS_ENV.length + 1);
    const ours = readFileSync(keysFile, 'utf8');
    // A file where the folder was (anyone may make that name once it is gone): not written into, not refused.
    rmSync(dirname(keysFile), { recursive: true, force: true });
    writeFileSync(dirname(keysFile), '');
    after(() => rmSync(dirname(keysFile), { force: true }));

    process.kill(w2!.workerPid as number, 'SIGKILL');
    await node.waitFor(() => started().length >= 3, 60_000);
    assert.equal(node.child.exitCode, null, 'the primary is still running');
    const w3 = started()[2]!;
    const env3 = readFileSync(`/proc/${String(w3.workerPid)}/environ`, 'utf8').split('\0');
    const keysFile3 = env3.find((e) => e.startsWith(`${EPHEMERAL_KEYS_ENV}=`))!.slice(EPHEMERAL_KEYS_ENV.length + 1);
    assert.notEqual(dirname(keysFile3), dirname(keysFile));
    assert.equal(readFileSync(keysFile3, 'utf8'), ours, 'the same keys');
    assert.equal(statSync(keysFile3).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(keysFile3)).mode & 0o777, 0o700);
  },
);
