// `hedge start` keeps V8's young generation at 8 MB or less (src/cli/young-generation.ts):
// V8 would take it to 32 MB while hedge's modules load and keep it. Read from
// the process's own metrics (prom-client's default heap-space gauges), after
// the start and after some traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { portOf, spawnHedge, writeConfig } from '../helpers/hedge-process.js';
import { YOUNG_GENERATION_CAP_BYTES } from '../../src/cli/young-generation.js';

async function youngGeneration(admin: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  const m = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(text);
  assert.ok(m, 'the new-space gauge is exported');
  return Number(m[1]);
}

test('hedge start: the young generation stays within its cap, at start and under traffic', async () => {
  const origin = await startEchoOrigin('127.0.0.1', 0);
  const yaml = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
  const cfg = writeConfig(yaml);
  const node = spawnHedge(['start', '-c', cfg.file]);
  try {
    const started = await node.waitFor((l) => l.msg === 'hedge started', 60_000);
    const admin = portOf(started.admin);
    const proxy = { port: portOf(started.proxy) };
    assert.ok((await youngGeneration(admin)) <= YOUNG_GENERATION_CAP_BYTES, 'at start');
    for (let i = 0; i < 300; i++) assert.equal((await viaProxy(proxy, 'http://news.example/')).status, 200);
    assert.ok((await youngGeneration(admin)) <= YOUNG_GENERATION_CAP_BYTES, 'after 300 requests');
  } finally {
    await node.stop();
    await origin.close();
    cfg.cleanup();
  }
});
