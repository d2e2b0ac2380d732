// Issue "Least-revealing enrichment": policy diff reports exposure changes
// per host pattern and attribute; the CLI exits 1 when exposure widens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { diffPolicies, type PolicyDiff } from '../../src/policy/diff.js';
import { DEMO_YAML } from '../helpers/gateway.js';

const WIDE = DEMO_YAML.replace(
  'partners:\n',
  `partners:
  - id: everyone
    name: Everyone (the 2012 mistake)
    purpose: none
    tls: required
    hosts: ["*"]
    send:
      - { attribute: msisdn, form: raw, header: X-Up-Calling-Line-ID }
`,
);

function compiled(yaml: string) {
  const l = parseConfig(yaml, 'x.yaml', { lints: 'report' });
  return compilePolicy(l.config, 'x.yaml', l.lineOf, { material: false });
}

test('identical policies: no change', () => {
  const d = diffPolicies(compiled(DEMO_YAML), compiled(DEMO_YAML));
  assert.deepEqual(d.changes, []);
  assert.equal(d.summary.widens, false);
});

test('msisdn raw to "*" is reported as newly disclosed, widening', () => {
  const d = diffPolicies(compiled(DEMO_YAML), compiled(WIDE));
  const c = d.changes.find((x) => x.host === '*' && x.attribute === 'msisdn');
  assert.ok(c);
  assert.equal(c.kind, 'newly-disclosed');
  assert.equal(c.widens, true);
  assert.equal(c.after?.form, 'raw');
  assert.equal(d.summary.widens, true);
  // Reverse: narrowing only.
  const r = diffPolicies(compiled(WIDE), compiled(DEMO_YAML));
  assert.equal(r.summary.widens, false);
  assert.equal(r.changes[0]?.kind, 'no-longer-disclosed');
});

test('form changes are ranked claim < pseudonym/token < sealed < raw', () => {
  const base = compiled(DEMO_YAML);
  const toRaw = compiled(
    DEMO_YAML.replace('{ attribute: msisdn, form: pseudonym, header: X-Subscriber-Alias }', '{ attribute: msisdn, form: raw, header: X-Subscriber-Alias, cleartext: allowed }'),
  );
  const up = diffPolicies(base, toRaw).changes;
  assert.deepEqual(
    up.map((c) => [c.host, c.attribute, c.kind, c.widens]),
    [['pay.billing.example', 'msisdn', 'more-revealing', true]],
  );
  const sealed = compiled(
    DEMO_YAML.replace('{ attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }', '{ attribute: msisdn, form: sealed, header: X-MSISDN }').replace(
      '    hosts: [my.operator.example]',
      '    hosts: [my.operator.example]\n    key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"',
    ),
  );
  const down = diffPolicies(base, sealed).changes;
  assert.deepEqual(
    down.map((c) => [c.host, c.attribute, c.kind, c.widens]),
    [['my.operator.example', 'msisdn', 'less-revealing', false]],
  );
  const token = compiled(
    DEMO_YAML.replace('form: pseudonym, header: X-Subscriber-Alias', 'form: token, header: X-Subscriber-Alias').replace('subscribers:', 'keys: { file: none.json }\nsubscribers:'),
  );
  assert.deepEqual(
    diffPolicies(base, token).changes.map((c) => c.kind),
    ['form-changed'],
  );
});

test('dropping tls: required from a raw grant widens (now cleartext)', () => {
  const tls = DEMO_YAML.replace('{ attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }', '{ attribute: msisdn, form: raw, header: X-MSISDN }').replace(
    '    hosts: [my.operator.example]',
    '    tls: required\n    hosts: [my.operator.example]',
  );
  const d = diffPolicies(compiled(tls), compiled(DEMO_YAML));
  assert.deepEqual(
    d.changes.map((c) => [c.host, c.kind, c.widens]),
    [['my.operator.example', 'now-cleartext', true]],
  );
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'policy', 'diff', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('hedge policy diff: demo → msisdn raw to "*" exits 1 and says so; identical exits 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-diff-'));
  try {
    const a = join(dir, 'demo.yaml');
    const b = join(dir, 'wide.yaml');
    writeFileSync(a, DEMO_YAML);
    writeFileSync(b, WIDE);
    const wide = cli(a, b);
    assert.equal(wide.status, 1, wide.stderr);
    assert.match(wide.stdout, /\+ \*\s+msisdn: newly-disclosed/);
    assert.match(wide.stdout, /exposure WIDENS/);
    assert.match(wide.stdout, /would not load/, 'the lint errors of the new file are shown');
    const json = cli(a, b, '--json');
    assert.equal(json.status, 1);
    const parsed = JSON.parse(json.stdout) as PolicyDiff;
    assert.equal(parsed.summary.widens, true);
    assert.ok(parsed.changes.some((c) => c.host === '*' && c.attribute === 'msisdn' && c.kind === 'newly-disclosed'));
    const same = cli(a, a);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /no change in exposure/);
    const sameJson = JSON.parse(cli(a, a, '--json').stdout) as PolicyDiff;
    assert.deepEqual(sameJson.changes, []);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'operator: [');
    assert.equal(cli(a, bad).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
