// Threat: with `hedge start --workers N`, a worker that dies is replaced, and
// the replacement read the config FILE as it is now. A change written to the
// file but never reloaded (or refused by the reload: invalid, canary failed)
// went into service in that one worker without the exposure diff, the canary
// run or the policy-reload audit event, while the other workers kept the
// policy in force: a partner added to the file received the number on the
// share of connections the new worker took. The replacement now starts with
// the policy the cluster serves (the one the primary started with, or the
// last one a worker applied by reload), never the file as edited meanwhile.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { NEWSDESK_PARTNER, startDemoCluster } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';

test('a worker replaced after the config file was edited serves the policy in force (started or reloaded), not the unreviewed edit', { timeout: 180_000 }, async (t) => {
  const c = await startDemoCluster();
  const { yaml, node, started } = c;
  const cfg = { file: c.file };
  after(async () => {
    await c.stop();
  });
  const proxy = portOf(started()[0]!.proxy);
  const version = started()[0]!.policyVersion;

  // An edit that widens disclosure, written but not reloaded (no SIGHUP, no POST /policy/reload).
  writeFileSync(cfg.file, yaml + NEWSDESK_PARTNER);
  const victim = started()[0]!.workerPid as number;
  process.kill(victim, 'SIGKILL');
  await node.waitFor(() => started().length >= 3, 90_000);
  const replacement = started()[2]!;
  t.diagnostic(`replacement worker ${String(replacement.workerPid)} policy ${String(replacement.policyVersion)} (in force: ${String(version)})`);
  assert.equal(replacement.policyVersion, version, 'the replacement serves the policy in force');

  // New connection per request: the primary spreads them over both workers.
  for (let i = 0; i < 12; i++) {
    const r = await viaProxy({ port: proxy }, 'http://news.example/');
    assert.equal(r.status, 200);
    assert.equal(r.json().headers['x-news-msisdn'], undefined, `request ${i}: the number went to a partner the policy in force does not have`);
  }

  // Once reloaded (SIGHUP to the primary: every worker validates, diffs, canaries and applies it), the edit is
  // the policy in force, and a replacement started after a further unreviewed edit serves the reloaded one.
  const reloaded = () => node.lines.filter((l) => l.msg === 'policy reloaded');
  process.kill(replacement.pid as number, 'SIGHUP');
  await node.waitFor(() => reloaded().length >= 2, 60_000);
  const inForce = reloaded()[0]!.to;
  assert.notEqual(inForce, version);
  await node.waitFor((l) => l.msg === 'replacement workers start with the reloaded policy', 10_000);
  writeFileSync(cfg.file, yaml);
  process.kill(replacement.workerPid as number, 'SIGKILL');
  await node.waitFor(() => started().length >= 4, 90_000);
  assert.equal(started()[3]!.policyVersion, inForce, 'the replacement serves the reloaded policy, not the file as edited since');
  for (let i = 0; i < 12; i++) {
    const r = await viaProxy({ port: proxy }, 'http://news.example/');
    assert.equal(r.json().headers['x-news-msisdn'], '+447700900123', `request ${i}: every worker serves the reloaded policy`);
  }
});
