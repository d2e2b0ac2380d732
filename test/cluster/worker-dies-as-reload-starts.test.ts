// A --workers worker that dies just as a reload starts: the primary sends the
// reload's text to every worker it still counts, and a worker killed a moment
// before the primary noticed its exit still looked connected. Writing to its
// closed channel made Node emit 'error' (EPIPE) on the cluster Worker object,
// which had no listener: the primary threw, and with it every worker went down
// — one worker's crash during a SIGHUP stopped the whole gateway. The primary
// now listens for channel errors of every worker (the exit that follows
// refuses the reload and starts a replacement, as for any worker that exits).
//
// The race: SIGHUP to the primary, then SIGKILL to workers 2 and 3 at once. The
// reloaded text is large (a long comment) so the primary spends a few
// milliseconds serialising it for workers 1 and 2 before it writes to the others.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';

test('--workers 3: workers killed as a reload starts do not take the primary (and the gateway) down', { timeout: 180_000 }, async (t) => {
  const c = await startDemoCluster({ workers: 3, extraYaml: '\nreload:\n  timeoutMs: 2000\n' });
  const { yaml, node, started } = c;
  after(() => c.stop());
  const primaryPid = started()[0]!.pid as number;
  const proxy = portOf(started()[0]!.proxy);
  const padding = `# ${'x'.repeat(998)}\n`.repeat(700); // ~700 KB, under the 1 MiB bound
  writeFileSync(c.file, yaml + padding);

  // Workers 2 and 3 (forked, so numbered, after worker 1): the primary writes to them after worker 1.
  const victims = started()
    .map((l) => l.workerPid as number)
    .sort((a, b) => a - b)
    .slice(1);
  process.kill(primaryPid, 'SIGHUP');
  for (const pid of victims) process.kill(pid, 'SIGKILL');

  // A stack trace on stderr (a line that is not JSON) is the primary throwing.
  const outcome = await node.waitFor((l) => /^cluster policy reload/.test(l.msg) || l.msg === 'non-json', 60_000);
  await new Promise((r) => setTimeout(r, 300)); // the rest of a stack trace
  const thrown = node.lines.filter((l) => l.msg === 'non-json').map((l) => l.text);
  assert.deepEqual(thrown, [], 'the primary threw');
  assert.equal(outcome.stage, 'cluster', 'refused in every worker: workers exited during the reload');
  t.diagnostic(`channel errors heard: ${node.lines.filter((l) => l.msg === 'cluster worker channel failed; its exit follows').length}`);

  // The cluster goes on: replacements start, and the proxy answers.
  await node.waitFor(() => started().length >= 5, 90_000);
  assert.equal(node.child.exitCode, null, 'the primary is still running');
  const r = await viaProxy({ port: proxy }, 'http://news.example/');
  assert.equal(r.status, 200);
});
