// The benchmarks load hedge's built modules by path (dist/<folder>/<file>.js),
// which the type checker cannot follow: a file moved in src/ silently broke
// the front door rows once. Every such path must name a source file that
// exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function benchFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? benchFiles(join(dir, e.name)) : e.name.endsWith('.mjs') ? [join(dir, e.name)] : []));
}

/** Module paths under dist/ a bench file names: load('x/y.js'), dist('x/y.js') or join(root, 'dist', 'x', 'y.js'). */
function distPaths(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/\b(?:load|dist)\('([\w/.-]+\.js)'\)/g)) found.push(m[1]!);
  for (const m of source.matchAll(/'dist',((?:\s*'[\w.-]+',?)+)\)/g)) found.push([...m[1]!.matchAll(/'([\w.-]+)'/g)].map((p) => p[1]!).join('/'));
  return found;
}

test('every dist/ module a benchmark loads exists in src/', () => {
  const files = benchFiles(join(root, 'bench'));
  assert.ok(files.length > 0);
  let checked = 0;
  for (const file of files) {
    for (const p of distPaths(readFileSync(file, 'utf8'))) {
      if (!p.endsWith('.js')) continue;
      checked++;
      const ts = join(root, 'src', p.replace(/\.js$/, '.ts'));
      assert.ok(existsSync(ts), `${file.slice(root.length + 1)} loads dist/${p}, but src/${p.replace(/\.js$/, '.ts')} does not exist`);
    }
  }
  assert.ok(checked >= 10, `found only ${checked} dist/ paths: the pattern no longer matches how the benchmarks load modules`);
});
