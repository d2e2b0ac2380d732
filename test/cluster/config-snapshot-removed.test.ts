// The primary of a --workers cluster keeps the config in force in a private
// folder under the temporary directory (cluster/config-snapshot.ts), and a
// temporary-file cleaner may remove that folder from a cluster that ran long
// enough untouched. A reload then failed to write the text it had put in force:
// the reload's promise rejected with nobody to hear it, and the primary threw —
// POST /policy/reload took the gateway down — and every replacement worker
// failed to start (its config files were gone). The primary now writes the
// files again from the texts it holds; one it cannot write refuses the reload
// in every worker (stage cluster) instead.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { adminCall, NEWSDESK_PARTNER, startDemoCluster } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';
import { CONFIG_SNAPSHOT_ENV } from '../../src/cluster/config-snapshot.js';

test("--workers 2: the primary's config snapshot removed by a temp cleaner — a reload still applies, and replacements still start", { timeout: 180_000 }, async (t) => {
  const c = await startDemoCluster();
  const { yaml, node, started } = c;
  after(() => c.stop());
  const [w1] = started();
  const admin = portOf(w1!.admin);
  const proxy = portOf(w1!.proxy);
  const env = readFileSync(`/proc/${String(w1!.workerPid)}/environ`, 'utf8').split('\0');
  const snapshot = env.find((e) => e.startsWith(`${CONFIG_SNAPSHOT_ENV}=`))!.slice(CONFIG_SNAPSHOT_ENV.length + 1);
  rmSync(dirname(snapshot), { recursive: true, force: true });

  writeFileSync(c.file, yaml.replace('partners:\n', `partners:\n${NEWSDESK_PARTNER}`));
  const answer = await adminCall(admin, 'POST', '/policy/reload').catch((err: Error) => ({ status: 0, body: { error: err.message } as Record<string, unknown> }));
  t.diagnostic(`answer: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  assert.equal(answer.status, 200, `the reload applies (the primary ${node.child.exitCode === null ? 'runs' : 'exited'})`);
  assert.equal(answer.body.result, 'applied');

  // A replacement starts, with the reloaded policy.
  process.kill(started()[1]!.workerPid as number, 'SIGKILL');
  await node.waitFor(() => started().length >= 3, 60_000);
  assert.equal(started()[2]!.policyVersion, answer.body.to, 'the replacement serves the reloaded policy');
  for (let i = 0; i < 8; i++) {
    const r = await viaProxy({ port: proxy }, 'http://news.example/');
    assert.equal(r.json().headers['x-news-msisdn'], '+447700900123', `request ${i}: every worker serves the reloaded policy`);
  }
});
