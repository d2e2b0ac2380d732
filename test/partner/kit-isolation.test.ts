// The partner kit (packages/partner, npm name hedge-partner) is importable on
// its own: nothing under packages/partner/src imports gateway code, it depends
// on jose at most (imported statically, or on first use with a literal name),
// and its identity header list stays equal to the gateway's catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEADER_CATALOGUE } from '../../src/detect/header-catalogue.js';
import { IDENTITY_HEADER_NAMES } from 'hedge-partner';

const DIR = 'packages/partner/src';

test('packages/partner/src imports only itself, node: builtins and jose; the package depends on jose at most', () => {
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(DIR, f), 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      const ok = spec.startsWith('node:') || spec === 'jose' || (spec.startsWith('./') && !spec.includes('..'));
      assert.ok(ok, `${f} imports ${spec}`);
    }
    // A dynamic import is allowed only with a literal the rule above checked (open-sealed.ts loads jose on first use).
    assert.ok(!/import\((?!\s*['"])/.test(text), `${f} has no dynamic import of a computed name`);
  }
  const pkg = JSON.parse(readFileSync('packages/partner/package.json', 'utf8')) as { name: string; dependencies?: Record<string, string> };
  assert.equal(pkg.name, 'hedge-partner');
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ['jose']);
});

test('the kit loads in a fresh process without the gateway', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./packages/partner/src/index.ts').then((m) => console.log(Object.keys(m).sort().join(',')))"], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /openSealed/);
  assert.match(r.stdout, /verifyEnrichment/);
});

test("the kit's identity header list equals the gateway's catalogue", () => {
  assert.deepEqual([...IDENTITY_HEADER_NAMES].sort(), HEADER_CATALOGUE.map((e) => e.name).sort());
});
