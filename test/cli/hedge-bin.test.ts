// Issue 13, "a hedge command that exists": after the README's `npm ci` the
// checkout has node_modules/.bin/hedge (the prepare script links it), so
// `npx hedge …` works with no build step; the bin runs dist/ only when that
// build is current and otherwise the source through tsx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/audit.js';
// @ts-expect-error: a plain .mjs module shared by the bin and the launcher
import { distState } from '../../bin/dist-current.mjs';

test('npx hedge works in the checkout after npm ci', () => {
  const r = spawnSync('sh', ['-c', 'npx --no-install hedge policy validate examples/demo.yaml'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /examples\/demo\.yaml: valid — policy [0-9a-f]{16}/);
});

test('the bin picks dist/ only when it is newer than src/', () => {
  const root = mkdtempSync(join(tmpdir(), 'hedge-bin-'));
  try {
    const state = distState as (root: string) => string;
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
    assert.equal(state(root), 'missing');
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), '');
    const t = Date.now() / 1000;
    utimesSync(join(root, 'src', 'cli', 'main.ts'), t - 100, t - 100);
    utimesSync(join(root, 'dist', 'cli', 'main.js'), t - 50, t - 50);
    assert.equal(state(root), 'current');
    utimesSync(join(root, 'src', 'cli', 'main.ts'), t, t);
    assert.equal(state(root), 'stale', 'a source edited after the build');
    rmSync(join(root, 'src'), { recursive: true });
    assert.equal(state(root), 'no-source', 'an installed package ships dist/ only');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
