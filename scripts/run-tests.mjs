#!/usr/bin/env node
// Runs every test file under test/ with node:test through tsx.
// Node 20's --test does not expand globs or pick up .ts files itself, so the
// files are listed here. Extra arguments select files by substring.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// node:test applies --test-timeout to each file as a whole. A "*.slow.test.ts"
// file (npm pack + install into an empty prefix, which compiles a native
// module) gets a longer budget of its own, in a second run after the rest.
const SLOW = /\.slow\.test\.ts$/;
const runs = [
  [files.filter((f) => !SLOW.test(f)), 120_000],
  [files.filter((f) => SLOW.test(f)), 900_000],
].filter(([list]) => list.length > 0);
let status = 0;
for (const [list, timeout] of runs) {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${timeout}`, ...list];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
