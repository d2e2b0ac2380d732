// Tests mirror the code: every src/<folder>/ has a test/<folder>/ holding at
// least one *.test.ts, so the tests of a module are found next to nothing
// else. A test/ folder that mirrors no source folder must be one of the few
// cross-cutting ones below (docs/architecture.md, "Where tests live").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** test/ folders that are not about one source folder, and why. */
const CROSS_CUTTING: Readonly<Record<string, string>> = {
  integration: 'whole gateways, several folders at once',
  security: 'one file per threat, through the whole gateway',
  ops: 'operating hedge: probes, logs, metrics, packaging, secrets',
  docs: 'the documentation is true (YAML blocks, commands)',
  partner: 'the partner kit, packages/partner (a workspace package without a test/ of its own)',
  bench: 'the benchmarks in bench/ (outside src/)',
  helpers: 'shared test code, no tests',
  fixtures: 'test data',
};

const folders = (dir: string) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

function hasTest(dir: string): boolean {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true }).some((e) => e.isFile() && e.name.endsWith('.test.ts'));
}

test('every src/<folder>/ has a test/<folder>/ with at least one *.test.ts', () => {
  const tests = new Set(folders('test'));
  const missing = folders('src')
    .filter((f) => !tests.has(f) || !hasTest(join('test', f)))
    .map((f) => `src/${f}/ has no test/${f}/ with a *.test.ts in it (a test folder per source folder: docs/architecture.md)`);
  assert.deepEqual(missing, []);
});

test('every test/<folder>/ mirrors a src/<folder>/ or is a listed cross-cutting one', () => {
  const src = new Set(folders('src'));
  const stray = folders('test')
    .filter((f) => !src.has(f) && !(f in CROSS_CUTTING))
    .map((f) => `test/${f}/ mirrors no src/${f}/: move its tests to the folder of the code they test, or list it in CROSS_CUTTING with a reason`);
  assert.deepEqual(stray, []);
});
