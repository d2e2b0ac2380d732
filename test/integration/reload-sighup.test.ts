// SIGHUP reloads the policy of a running `hedge start` (one process, and every
// worker of a cluster through the primary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { portOf, spawnHedge, writeConfig } from '../helpers/hedge-process.js';

const NEWSDESK = `  - id: newsdesk
    name: Daily News subscriptions
    purpose: self-care
    hosts: [m.dailynews.example]
    send:
      - { attribute: msisdn, form: raw, header: X-Reader-MSISDN, cleartext: allowed }
`;

for (const workers of [1, 2]) {
  test(`SIGHUP reloads the policy (${workers === 1 ? 'single process' : 'every worker of a 2-worker cluster'})`, async () => {
    const origin = await startEchoOrigin('127.0.0.1', 0);
    const yaml = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
      .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
    const cfg = writeConfig(yaml + '\ncanary:\n  intervalSeconds: 0\n');
    const node = spawnHedge(['start', '-c', cfg.file, '--workers', String(workers)]);
    try {
      await node.waitFor((l) => l.msg === 'hedge started' && node.lines.filter((x) => x.msg === 'hedge started').length >= workers, 60_000);
      const started = node.lines.find((l) => l.msg === 'hedge started')!;
      const proxy = { port: portOf(started.proxy) };
      assert.ok(
        node.lines.some((l) => l.msg === 'canary passed' && l.trigger === 'start'),
        'the canary ran at start',
      );
      const before = await viaProxy(proxy, 'http://m.dailynews.example/');
      assert.equal(before.json().headers['x-reader-msisdn'], undefined);

      writeFileSync(cfg.file, yaml.replace('partners:\n', `partners:\n${NEWSDESK}`) + '\ncanary:\n  intervalSeconds: 0\n');
      node.child.kill('SIGHUP');
      await node.waitFor((l) => l.msg === 'policy reloaded' && node.lines.filter((x) => x.msg === 'policy reloaded').length >= workers, 60_000);
      const reloaded = node.lines.filter((l) => l.msg === 'policy reloaded');
      assert.ok(reloaded.every((l) => l.trigger === 'sighup' && typeof l.from === 'string' && typeof l.to === 'string' && l.from !== l.to));
      // New connections (agent: false) reach any worker: each must have the new policy.
      for (let i = 0; i < 6; i++) {
        const after = await viaProxy(proxy, 'http://m.dailynews.example/');
        assert.equal(after.json().headers['x-reader-msisdn'], '+447700900123');
      }
      const text = node.lines.map((l) => JSON.stringify(l)).join('\n');
      assert.ok(!text.includes('447700900123') && !text.includes('447700900999'), 'no number in any log line');
    } finally {
      await node.stop();
      await origin.close();
      cfg.cleanup();
    }
  });
}

test('POST /policy/reload on a 2-worker cluster reloads every worker', async () => {
  const origin = await startEchoOrigin('127.0.0.1', 0);
  const yaml = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
  const cfg = writeConfig(yaml + '\ncanary:\n  intervalSeconds: 0\n');
  const node = spawnHedge(['start', '-c', cfg.file, '--workers', '2']);
  try {
    await node.waitFor((l) => l.msg === 'hedge started' && node.lines.filter((x) => x.msg === 'hedge started').length >= 2, 60_000);
    const started = node.lines.find((l) => l.msg === 'hedge started')!;
    const proxy = { port: portOf(started.proxy) };
    writeFileSync(cfg.file, yaml.replace('partners:\n', `partners:\n${NEWSDESK}`) + '\ncanary:\n  intervalSeconds: 0\n');
    const r = await fetch(`http://127.0.0.1:${portOf(started.admin)}/policy/reload`, { method: 'POST' });
    assert.equal(r.status, 200);
    // The cluster's answer, whichever worker took the request (node/cluster-reload.ts).
    const body = (await r.json()) as { result: string; workers: unknown };
    assert.equal(body.result, 'applied');
    assert.deepEqual(body.workers, { count: 2, ready: 2, refused: 0, unanswered: 0 });
    await node.waitFor((l) => l.msg === 'policy reloaded' && node.lines.filter((x) => x.msg === 'policy reloaded').length >= 2, 60_000);
    const triggers = node.lines
      .filter((l) => l.msg === 'policy reloaded')
      .map((l) => l.trigger)
      .sort();
    // One reload of the cluster, committed in both workers, each logging it with the trigger that started it.
    assert.deepEqual(triggers, ['admin', 'admin']);
    for (let i = 0; i < 6; i++) assert.equal((await viaProxy(proxy, 'http://m.dailynews.example/')).json().headers['x-reader-msisdn'], '+447700900123');
  } finally {
    await node.stop();
    await origin.close();
    cfg.cleanup();
  }
});
