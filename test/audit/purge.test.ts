// Issue 5, retention, on both stores: `hedge audit purge --before DATE`
// removes old records and leaves a signed anchor so the rest still verifies,
// and a node whose whole chain was purged continues it after a restart.
import { test, describe } from 'node:test';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startLab, viaProxy, DEMO_YAML } from '../helpers/gateway.js';
import { hedgeCli, writeConfig } from '../helpers/audit.js';
import { useAuditBackend } from '../helpers/audit.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `input`: what an operator at a shell sees. */
function onTerminal(args: string[], input: string): Promise<{ code: number; output: string }> {
  const cmd = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('to continue:') && input) {
        child.stdin.write(input);
        input = '';
      }
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, output });
    });
  });
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`audit purge on ${name}`, () => {
    const backend = useAuditBackend(name);

    test('purge removes older records, leaves a checkpoint, and the chain still verifies and continues', async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const loc = backend.be!.fresh();
      const cfg = writeConfig(backend.be!.dir, `purge-${Date.now()}.yaml`, DEMO_YAML + backend.be!.yaml(loc));
      const run = async (n: number) => {
        const lab = await startLab({ edit: (y) => y + backend.be!.yaml(loc, { node: 'gw-p' }) });
        try {
          for (let i = 0; i < n; i++) await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
        } finally {
          await lab.close();
        }
      };
      await run(5); // records #1 (policy-load) … #6
      await sleep(30);
      const cut = new Date().toISOString();
      await sleep(30);
      await run(3); // #7 … #10

      // Issue 13: a dry run first, and no purge without a confirmation.
      const dry = await hedgeCli(['audit', 'purge', '-c', cfg, '--before', cut, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /chain gw-p: would remove 6 record\(s\) through #6/);
      assert.match(dry.stdout, /dry run: 6 record\(s\) before .*; nothing removed/);
      const unconfirmed = await hedgeCli(['audit', 'purge', '-c', cfg, '--before', cut]);
      assert.equal(unconfirmed.code, 2, 'no terminal to ask on and no --yes: refused');
      assert.match(unconfirmed.stderr, /confirm with --yes/);
      const declined = await onTerminal(['audit', 'purge', '-c', cfg, '--before', cut], 'no\n');
      assert.match(declined.output, /Remove 6 audit record\(s\) before .* for good\? Type "yes" to continue/);
      assert.match(declined.output, /not purged/);
      assert.equal(declined.code, 1);
      const still = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.match(still.stdout, /chain gw-p: 10 records #1–#10/, 'the dry run and the refusal removed nothing');

      const p = await hedgeCli(['audit', 'purge', '-c', cfg, '--before', cut, '--yes']);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /chain gw-p: removed 6 record\(s\) through #6/);
      const v = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /chain gw-p: 4 records #7–#10, purged through #6/);

      // Everything goes; the node's next start continues from the anchor.
      const all = await hedgeCli(['audit', 'purge', '-c', cfg, '--before', 'now', '--yes']);
      assert.match(all.stdout, /removed 4 record\(s\) through #10/);
      await run(2);
      const v2 = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.equal(v2.code, 0, v2.stdout + v2.stderr);
      assert.match(v2.stdout, /chain gw-p: 3 records #11–#13, purged through #10/);

      // Removing the purge anchor breaks verification at the first remaining record.
      const copy = await backend.be!.clone(loc);
      await backend.be!.sql(copy, "DELETE FROM C WHERE kind = 'purge'");
      const bad = await hedgeCli(['audit', 'verify', '-c', writeConfig(backend.be!.dir, `purge-bad-${Date.now()}.yaml`, DEMO_YAML + backend.be!.yaml(copy))]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /FAIL \(removed\): records gw-p#1…#10 were removed/);
    });
  });
}
