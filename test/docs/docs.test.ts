// Issue 13, docs that are tested. Every YAML block in README.md and docs/*.md is
// a config (or a fragment of one, completed with an operator section) and must
// validate — unless it is marked, on a line before it, with
//   <!-- expect-error: TEXT -->            it must be refused, with TEXT in the error
//   <!-- docs-test: not a hedge config -->  it must only be YAML (e.g. Prometheus rules)
// Files a block names at absolute paths (an operator's /etc/hedge/…) need not
// exist. An untagged block that starts like a hedge config must be tagged yaml. The
// README's worked example runs against the demo: every "$ command" in it is run
// and what it prints must be what the README shows ("…" stands for any text in
// a line, or alone on a line for any number of lines).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { ROOT } from '../helpers/audit.js';

interface Block {
  where: string;
  lang: string;
  body: string;
  marker?: { kind: 'expect-error'; text: string } | { kind: 'not-config' };
}

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

function blocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j]!)) j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const prev = k >= 0 ? lines[k]! : '';
    const expect = /^<!--\s*expect-error:\s*(.*?)\s*-->\s*$/.exec(prev);
    const marker = expect
      ? { kind: 'expect-error' as const, text: expect[1]! }
      : /^<!--\s*docs-test:\s*not a hedge config/.test(prev)
        ? { kind: 'not-config' as const }
        : undefined;
    out.push({ where: `${file}:${i + 1}`, lang: open[1]!, body: lines.slice(i + 1, j).join('\n') + '\n', ...(marker ? { marker } : {}) });
    i = j;
  }
  return out;
}

const ALL = DOCS.flatMap(blocks);
const CONFIG_START = /^(operator|proxy|admin|subscribers|partners|radius|audit|canary|keys|alerts|reload|transparency|frontdoor)\s*:/m;

/** A fragment becomes a whole config: an operator section is added unless it has one. */
function asConfig(body: string): string {
  const data: unknown = parseYaml(body);
  if (Array.isArray(data)) return `operator: { name: Docs example, country: GB }\npartners:\n${body.replace(/^/gm, '  ')}`;
  if (data && typeof data === 'object' && 'operator' in data) return body;
  return `operator: { name: Docs example, country: GB }\n${body}`;
}

test('the docs have YAML config blocks to check', () => {
  assert.ok(ALL.filter((b) => b.lang === 'yaml').length >= 2, ALL.map((b) => b.where).join(' '));
});

for (const b of ALL.filter((x) => x.lang === 'yaml' || x.lang === 'yml')) {
  test(`${b.where}: ${b.marker?.kind === 'expect-error' ? 'refused as the text shows' : b.marker ? 'is YAML' : 'validates'}`, () => {
    if (b.marker?.kind === 'not-config') {
      assert.doesNotThrow(() => parseYaml(b.body), `${b.where}: not valid YAML`);
      return;
    }
    let err: unknown;
    try {
      parseConfig(asConfig(b.body), b.where);
    } catch (e) {
      err = e;
      // Key and store files at an operator's absolute paths (/etc/hedge/…) cannot ship with the docs.
      if (e instanceof ConfigError && e.issues.every((i) => /cannot read \//.test(i.message))) err = undefined;
    }
    if (b.marker?.kind === 'expect-error') {
      assert.ok(err instanceof ConfigError, `${b.where}: marked expect-error but it validates`);
      assert.ok(err.message.includes(b.marker.text), `${b.where}: expected an error containing "${b.marker.text}", got:\n${err.message}`);
    } else if (err) assert.fail(`${b.where}: this config block does not validate:\n${(err as Error).message}`);
  });
}

test('an untagged block that is a config is tagged yaml (so it is checked)', () => {
  const untagged = ALL.filter((b) => b.lang === '' && CONFIG_START.test(b.body.split('\n').find((l) => l.trim() && !l.startsWith('#')) ?? ''));
  assert.deepEqual(
    untagged.map((b) => b.where),
    [],
  );
});

test('the README shows the demo partners as examples/demo.yaml declares them', () => {
  const readme = ALL.find((b) => b.where.startsWith('README.md') && b.lang === 'yaml' && /^partners:/m.test(b.body));
  assert.ok(readme, 'the worked example shows the partners');
  const demo = parseYaml(readFileSync(join(ROOT, 'examples/demo.yaml'), 'utf8')) as { partners: unknown };
  assert.deepEqual((parseYaml(readme.body) as { partners: unknown }).partners, demo.partners);
});

test('every examples/ file the docs and examples name exists', () => {
  const texts = [...DOCS, ...readdirSync(join(ROOT, 'examples')).map((f) => `examples/${f}`)].map((f) => [f, readFileSync(join(ROOT, f), 'utf8')] as const);
  const missing: string[] = [];
  for (const [f, t] of texts) for (const m of t.matchAll(/\bexamples\/[\w.-]+\.\w+/g)) if (!existsSync(join(ROOT, m[0]))) missing.push(`${f}: ${m[0]}`);
  assert.deepEqual(missing, []);
});

test('one set of audit figures: docs/audit.md states the costs the README states', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /The audit\*\*[^]*?costs (\d+(?:\.\d+)?) %[^]*?and (\d+(?:\.\d+)?) % \(PostgreSQL\)/.exec(readme);
  assert.ok(m, 'the README states the audit cost for SQLite and PostgreSQL');
  const audit = readFileSync(join(ROOT, 'docs/audit.md'), 'utf8').replace(/\s+/g, ' ');
  for (const pct of [m[1]!, m[2]!]) assert.ok(audit.includes(`${pct} %`), `docs/audit.md states ${pct} %`);
  for (const other of audit.matchAll(/audit cost(?:s)? (?:about )?(\d+)(?:–\d+)?\s*%/g)) assert.fail(`docs/audit.md states another audit cost: ${other[0]}`);
});

// ---- the README's worked example, against the demo ----

let demo: ChildProcess | undefined;
let proxy = '';
let admin = '';
const work = mkdtempSync(join(tmpdir(), 'hedge-readme-'));

before(async () => {
  demo = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'demo',
      '--front-door',
      '127.0.0.1:0',
      '--proxy',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--origin',
      '127.0.0.1:0',
      '--checker',
      '127.0.0.1:0',
      // Every listener on a port of its own: another demo (a concurrent test file) holds the defaults.
      '--transparency',
      '127.0.0.1:0',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  demo.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  let err = '';
  demo.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the demo did not start:\n${out}`)), 90_000);
    const check = () => {
      const p = /proxy +http:\/\/(127\.0\.0\.1:\d+)/.exec(out);
      const a = /admin +http:\/\/(127\.0\.0\.1:\d+)/.exec(out);
      if (p && a) {
        [proxy, admin] = [p[1]!, a[1]!];
        clearTimeout(t);
        resolve();
      }
    };
    demo!.stdout!.on('data', check);
    demo!.once('exit', () => reject(new Error(`the demo exited:\n${out}\n${err}`)));
  });
});
after(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo!.once('exit', r));
    demo.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

/** The "$ command" + output pairs of the README's worked example section. */
function workedExample(): { command: string; expected: string[]; where: string }[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = text.indexOf('## A worked example');
  const end = text.indexOf('\n## ', start + 5);
  const offset = text.slice(0, start).split('\n').length - 1;
  const section = text.slice(start, end);
  const out: { command: string; expected: string[]; where: string }[] = [];
  for (const b of blocks('README.md')) {
    const line = Number(b.where.split(':')[1]);
    if (b.lang !== '' || line <= offset || line > offset + section.split('\n').length) continue;
    let cur: { command: string; expected: string[]; where: string } | undefined;
    for (const l of b.body.replace(/\n$/, '').split('\n')) {
      if (l.startsWith('$ ')) out.push((cur = { command: l.slice(2), expected: [], where: b.where }));
      else if (cur && l !== '') cur.expected.push(l);
      else if (cur && l === '') cur = undefined;
    }
  }
  return out;
}

/** Expected lines against actual ones: "…" in a line is any text; "…" alone is any number of lines. */
function matches(expected: string[], actual: string[]): boolean {
  if (expected.length === 0) return actual.length === 0;
  const [e, ...rest] = expected;
  if (e!.trim() === '…') {
    for (let n = 0; n <= actual.length; n++) if (matches(rest, actual.slice(n))) return true;
    return false;
  }
  if (actual.length === 0) return false;
  const re = new RegExp(
    `^${e!
      .split('…')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(actual[0]!) && matches(rest, actual.slice(1));
}

test("the README's worked example prints what the README shows", () => {
  const steps = workedExample();
  assert.ok(steps.length >= 5, `worked example commands found: ${steps.length}`);
  for (const s of steps) {
    const command = s.command.replaceAll('127.0.0.1:8080', proxy).replaceAll('127.0.0.1:9090', admin).replaceAll('/tmp/broken.yaml', join(work, 'broken.yaml'));
    const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const actual = (r.stdout + r.stderr)
      .replaceAll(join(work, 'broken.yaml'), '/tmp/broken.yaml')
      .replace(/\n$/, '')
      .split('\n')
      .filter((l, i, a) => !(a.length === 1 && l === ''));
    assert.ok(matches(s.expected, actual), `${s.where}: $ ${s.command}\nREADME shows:\n${s.expected.join('\n')}\nit prints:\n${actual.join('\n')}`);
  }
});
