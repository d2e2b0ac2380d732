// A --workers replacement that cannot start — here HEDGE_ERR_WORKER_POLICY_CHANGED:
// keys.file rotated on disk and not yet reloaded — was tried again every
// 0.5 s for as long as the cause lasted, each attempt a process start and a
// config load on a host that is serving. The primary now waits twice as long
// after each failed attempt (up to 30 s), logs each longer wait once and
// counts it in hedge_cluster_worker_restart_backoffs_total.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoClusterWithKeyFile } from '../helpers/demo-cluster.js';
import { portOf } from '../helpers/hedge-process.js';
import { readKeyFile, rotateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';

const LONGER = 'replacement workers keep failing; waiting longer before the next one';

test('--workers 2: a replacement refused again and again is retried after growing waits, logged once per step and counted', { timeout: 180_000 }, async (t) => {
  const c = await startDemoClusterWithKeyFile();
  const { node, started, keyFile } = c;
  after(() => c.stop());
  writeKeyFile(keyFile, rotateKeyFile(readKeyFile(keyFile), 3_600_000), true); // not reloaded: replacements refuse to start
  process.kill(started()[1]!.workerPid as number, 'SIGKILL');

  const longer = () => node.lines.filter((l) => l.msg === LONGER);
  await node.waitFor(() => longer().length >= 3, 90_000);
  const exits = () => node.lines.filter((l) => l.msg === 'cluster worker exited; starting a replacement');
  // One more attempt after the third longer wait (4 s): the gap between the exits around it is at least that wait.
  await node.waitFor(() => exits().length >= 5, 60_000);
  const times = exits().map((l) => Date.parse(String(l.time)));
  const gaps = times.slice(1).map((x, i) => x - times[i]!);
  t.diagnostic(`waits ${JSON.stringify(longer().map((l) => l.delayMs))}, gaps between exits ${JSON.stringify(gaps)} ms`);
  assert.deepEqual(
    longer()
      .slice(0, 3)
      .map((l) => l.delayMs),
    [1000, 2000, 4000],
  );
  assert.ok(gaps[1]! >= 1000 && gaps[2]! >= 2000 && gaps[3]! >= 4000, `each attempt waits longer than the one before (${JSON.stringify(gaps)})`);
  assert.equal(started().length, 2, 'no replacement started with the unreviewed key');
  for (const l of longer()) assert.deepEqual(Object.keys(l).sort(), ['delayMs', 'level', 'msg', 'node', 'slot', 'time']);

  const admin = portOf(started()[0]!.admin);
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  assert.ok(value('hedge_cluster_worker_restart_backoffs_total') >= 3, text.slice(0, 200));
  assert.ok(value('hedge_cluster_worker_restart_delay_seconds') >= 4);
  assert.equal(node.child.exitCode, null, 'the primary is still running');
});
