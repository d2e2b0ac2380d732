// The error-code catalogue (src/shared/errors.ts) is the only place a
// HEDGE_ERR_ code is spelled out: everywhere else names it as ErrorCodes.X, so
// a typo is a type error and an unknown code cannot reach the wire. And the
// catalogue and docs/errors.md list the same codes: an operator can look up
// every code hedge sends, and nothing documented is a code hedge never sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes } from '../../src/shared/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOGUE = 'src/shared/errors.ts';
/** A code as written in prose and tables (not the `HEDGE_ERR_…` placeholder). */
const CODE = /HEDGE_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*/g;
/** A code spelled as a string literal: quoted or the start of a template. */
const LITERAL = /['"`]HEDGE_ERR_/;

const catalogue = new Set<string>(Object.values(ErrorCodes));

/** Every .ts file under `dir` (relative to the repository), recursively. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...tsFiles(rel));
    } else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

function sourceRoots(): string[] {
  const packages = readdirSync(path.join(ROOT, 'packages'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `packages/${e.name}/src`)
    .filter((d) => existsSync(path.join(ROOT, d)));
  return ['src', ...packages];
}

test('no HEDGE_ERR_ string literal outside the catalogue: code names ErrorCodes.X', () => {
  const files = sourceRoots().flatMap(tsFiles);
  assert.ok(files.includes(CATALOGUE), 'the walk reaches the catalogue');
  const offenders: string[] = [];
  for (const f of files) {
    if (f === CATALOGUE) continue;
    readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (LITERAL.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, [], `bare HEDGE_ERR_ literals (use ErrorCodes.X from ${CATALOGUE}):\n${offenders.join('\n')}`);
});

test('each catalogue entry is its own code, named after its key, and none repeats', () => {
  for (const [key, code] of Object.entries(ErrorCodes)) assert.equal(code, `HEDGE_ERR_${key}`, `ErrorCodes.${key}`);
  assert.equal(catalogue.size, Object.keys(ErrorCodes).length, 'two keys share a code');
});

const errorsDoc = readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8');
/** The codes docs/errors.md has a table row for: `| \`HEDGE_ERR_X\` | where | meaning | what to do |`. */
const rows = [...errorsDoc.matchAll(/^\| `(HEDGE_ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);

test('every code in the catalogue has its row in docs/errors.md', () => {
  const documented = new Set(rows);
  const missing = [...catalogue].filter((c) => !documented.has(c));
  assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
});

test('docs/errors.md documents no code the catalogue lacks, and each only once', () => {
  const unknown = [...new Set(errorsDoc.match(CODE) ?? [])].filter((c) => !catalogue.has(c));
  assert.deepEqual(unknown, [], `docs/errors.md names codes not in ${CATALOGUE}: ${unknown.join(', ')}`);
  const repeated = rows.filter((c, i) => rows.indexOf(c) !== i);
  assert.deepEqual(repeated, [], `codes with more than one row: ${repeated.join(', ')}`);
});

test('no other doc names a code that does not exist', () => {
  const docs = [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const unknown: string[] = [];
  for (const f of docs) for (const c of new Set(readFileSync(path.join(ROOT, f), 'utf8').match(CODE) ?? [])) if (!catalogue.has(c)) unknown.push(`${f}: ${c}`);
  assert.deepEqual(unknown, [], `docs naming codes not in ${CATALOGUE}:\n${unknown.join('\n')}`);
});
