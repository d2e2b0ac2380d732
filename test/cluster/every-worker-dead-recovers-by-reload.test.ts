// Every worker of a --workers cluster dies for one cause: here keys.file made
// invalid, then the workers killed. Each replacement fails to start and the
// slots wait longer each time (up to 30 s). The operator writes a new key file
// (the old one is lost) and sends SIGHUP. The reload was refused ("no worker
// is serving": only workers prepared a reload), and replacements refused the
// new key material no reload had applied: the cluster never came back. The
// primary now checks the reload itself when no worker serves, puts it in
// force for the replacements and starts them at once (their waits reset).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startDemoClusterWithKeyFile } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';
import { generateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';

const LONGER = 'replacement workers keep failing; waiting longer before the next one';

test('--workers 2: every worker dead on a broken key file; the file fixed and SIGHUP brings the cluster back within seconds', { timeout: 240_000 }, async (t) => {
  const c = await startDemoClusterWithKeyFile();
  const { node, started, keyFile } = c;
  after(() => c.stop());
  const primaryPid = started()[0]!.pid as number;

  writeFileSync(keyFile, '{"not": "a key file"}\n');
  for (const l of started()) process.kill(l.workerPid as number, 'SIGKILL');
  // Both slots fail again and again: 1 s, 2 s, 4 s, 8 s, 16 s between attempts.
  const waits16 = (slot: number) => node.lines.some((l) => l.msg === LONGER && l.slot === slot && Number(l.delayMs) >= 16_000);
  await node.waitFor(() => waits16(1) && waits16(2), 150_000);

  const fixed = generateKeyFile(Date.now(), { idTokenRsa: false });
  writeKeyFile(keyFile, fixed, true);
  const t0 = Date.now();
  process.kill(primaryPid, 'SIGHUP');
  const outcome = await node.waitFor((l) => /^cluster policy reload/.test(l.msg), 30_000);
  t.diagnostic(`reload: ${outcome.msg} ${String(outcome.reason ?? '')}`);
  assert.notEqual(outcome.msg, 'cluster policy reload refused; every worker keeps the previous policy', String(outcome.reason));

  // Both slots are forked at once, not after the 16 s wait they were in; a start takes seconds more (tsx, shared cores).
  const forked = () => node.lines.filter((l) => l.msg === 'replacement worker forked' && Date.parse(String(l.time)) >= t0);
  await node.waitFor(() => forked().length >= 2, 20_000);
  const forkedAfter = Math.max(...forked().map((l) => Date.parse(String(l.time)))) - t0;
  await node.waitFor(() => started().length >= 4, 90_000);
  t.diagnostic(`both slots forked ${forkedAfter} ms and serving ${Date.now() - t0} ms after SIGHUP`);
  assert.ok(forkedAfter < 8000, `both slots forked without waiting out their backoff (${forkedAfter} ms)`);
  assert.ok(!node.lines.some((l) => l.msg === LONGER && Date.parse(String(l.time)) >= t0), 'no replacement failed after the reload');

  // They sign with the key the reload put in force.
  const proxy = portOf(started()[2]!.proxy);
  const r = await viaProxy({ port: proxy }, 'http://my.operator.example/');
  assert.equal(r.status, 200);
  assert.match(String(r.json().headers['signature-input'] ?? ''), new RegExp(`keyid="${fixed.signing[0]!.kid}"`));
  assert.equal(node.child.exitCode, null, 'the primary is still running');
});
