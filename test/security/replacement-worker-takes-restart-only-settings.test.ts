// Threat: a reload applies only the policy (partners, keys, proxy.stripHeaders)
// and answers `applied` with the other changed sections in `restartNeeded`
// (e.g. proxy.listen): the operator is told they are not in force. But with
// --workers the primary kept the whole reloaded text for replacement workers,
// so a worker that died was replaced by one that took the new listen address
// (a port nobody put in service: a second, unannounced proxy listener) and
// every other restart-only change — settings the operator was told were not
// applied went into service in one worker. A replacement now takes the policy
// in force and every other section as the cluster started.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { NEWSDESK_PARTNER, startDemoCluster } from '../helpers/demo-cluster.js';
import { viaProxy } from '../helpers/gateway.js';
import { portOf } from '../helpers/hedge-process.js';

/** A loopback port free right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test(
  'a worker replaced after a reload that changed proxy.listen keeps the listen address the cluster started with, and serves the reloaded policy',
  { timeout: 180_000 },
  async () => {
    const c = await startDemoCluster();
    const { yaml, node, started } = c;
    const cfg = { file: c.file };
    after(async () => {
      await c.stop();
    });
    const proxyAddress = started()[0]!.proxy as string;

    // A partner added (applied) and the proxy moved (restartNeeded: not applied).
    const moved = await freePort();
    writeFileSync(cfg.file, yaml.replace('partners:\n', `partners:\n${NEWSDESK_PARTNER}`).replace('listen: 127.0.0.1:0', `listen: 127.0.0.1:${moved}`));
    const reloaded = () => node.lines.filter((l) => l.msg === 'policy reloaded');
    process.kill(started()[0]!.pid as number, 'SIGHUP');
    await node.waitFor(() => reloaded().length >= 2, 60_000);
    const inForce = reloaded()[0]!.to as string;
    assert.ok(
      node.lines.some((l) => l.msg === 'policy reload: these sections changed but need a restart to apply' && (l.sections as string[]).includes('proxy')),
      'the reload says proxy needs a restart',
    );

    process.kill(started()[0]!.workerPid as number, 'SIGKILL');
    await node.waitFor(() => started().length >= 3, 90_000);
    const replacement = started()[2]!;
    assert.equal(replacement.proxy, proxyAddress, 'the replacement listens where the cluster started, not on the address the reload said needs a restart');
    assert.equal(replacement.policyVersion, inForce, 'the replacement serves the reloaded policy');
    for (let i = 0; i < 12; i++) {
      const r = await viaProxy({ port: portOf(proxyAddress) }, 'http://news.example/');
      assert.equal(r.json().headers['x-news-msisdn'], '+447700900123', `request ${i}: every worker serves the reloaded policy`);
    }
  },
);
