// The partner kit (hedge/partner) is importable on its own: nothing under
// src/partner/ imports gateway code, and its identity header list stays equal
// to the gateway's catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER_CATALOGUE } from '../../src/detect/header-catalogue.js';
import { IDENTITY_HEADER_NAMES } from '../../src/partner/index.js';

const DIR = 'src/partner';

test('src/partner imports only itself, node: builtins and jose', () => {
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(DIR, f), 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      const ok = spec.startsWith('node:') || spec === 'jose' || (spec.startsWith('./') && !spec.includes('..'));
      assert.ok(ok, `${f} imports ${spec}`);
    }
    assert.ok(!/import\(/.test(text), `${f} has no dynamic imports`);
  }
});

test('the kit loads in a fresh process without the gateway', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/partner/index.ts').then((m) => console.log(Object.keys(m).sort().join(',')))"], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /openSealed/);
  assert.match(r.stdout, /verifyEnrichment/);
});

test("the kit's identity header list equals the gateway's catalogue", () => {
  assert.deepEqual([...IDENTITY_HEADER_NAMES].sort(), HEADER_CATALOGUE.map((e) => e.name).sort());
});
