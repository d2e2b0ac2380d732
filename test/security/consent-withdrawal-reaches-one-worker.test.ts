// Threat: with `hedge start --workers N` and the memory binding store, a
// subscriber's consent withdrawal on the transparency page is held only by the
// worker process that took it (consent choices live beside the bindings, in
// that process's memory). The other workers go on disclosing the number to the
// partner the subscriber withdrew from — the withdrawal fails open, and the
// page told them it was done. hedge must refuse to start that combination,
// with a config error that names the file, line and keys, before it binds
// anything; one worker, or a Redis store every worker shares, is fine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEMO_YAML } from '../helpers/gateway.js';
import { auditBackend, hedgeCli, writeConfig, type AuditBackend } from '../helpers/audit.js';
import { spawnHedge } from '../helpers/hedge-process.js';

let be: AuditBackend | string;
let cfg: string;
let yaml: string;

before(async () => {
  be = await auditBackend('sqlite');
  if (typeof be === 'string') return;
  yaml =
    DEMO_YAML.replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0').replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') +
    be.yaml(be.fresh(), { node: 'w' }) +
    '\ntransparency:\n  listen: 127.0.0.1:0\n  rateLimitPerMinute: 1000\n';
  cfg = writeConfig(be.dir, 'hedge.yaml', yaml);
});
after(async () => {
  if (typeof be !== 'string') await be?.close();
});

test('--workers 2 with the subscriber page and the memory store: refused before anything listens, naming file, line and keys', async (t) => {
  if (typeof be === 'string') return t.skip(be);
  const r = await hedgeCli(['start', '-c', cfg, '--workers', '2'], 30_000); // a gateway that starts is killed at 30 s
  assert.equal(r.code, 1, r.stderr);
  const keyLine = yaml.split('\n').findIndex((l) => l.startsWith('transparency:')) + 1;
  const at = /^(.+):(\d+):1 error transparency: /m.exec(r.stderr);
  assert.ok(at, r.stderr);
  assert.equal(at[1], join(be.dir, 'hedge.yaml'), 'names the file');
  assert.ok(Number(at[2]) >= keyLine && Number(at[2]) <= keyLine + 1, `names the transparency section's line (${at[2]})`);
  assert.match(r.stderr, /subscribers\.store: memory \(line \d+\)/, 'and the store key with its line');
  assert.match(r.stderr, /--workers 2 and subscribers\.store: memory/);
  assert.match(r.stderr, /withdrawal would not apply in the other workers/);
  assert.match(r.stderr, /not started/);
  assert.doesNotMatch(r.stderr, /hedge (cluster )?started/);
});

test('the same config with one worker starts (the refusal is about the combination)', async (t) => {
  if (typeof be === 'string') return t.skip(be);
  const node = spawnHedge(['start', '-c', cfg, '--workers', '1']);
  try {
    const started = await node.waitFor((l) => l.msg === 'hedge started', 60_000);
    assert.ok(started.transparency ?? started.proxy, 'listening');
  } finally {
    await node.stop();
  }
});
