// Issue "Least-revealing enrichment", acceptance: each policy lint is refused
// with file, line and partner named (until: is a warning, the partner inactive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../src/shared/errors.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { compilePolicy, partnerActive } from '../../src/policy/compile.js';
import { isPublicSuffix } from '../../src/config/lint.js';

const HEAD = `operator: { name: Lint Mobile, country: GB }
partners:
`;

function refused(yaml: string, file = 'lint.yaml'): ConfigIssue[] {
  try {
    parseConfig(yaml, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.issues.filter((i) => i.severity === 'error');
  }
  assert.fail('the config was accepted');
}

function lineOf(yaml: string, needle: string): number {
  const i = yaml.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `"${needle}" not in the yaml`);
  return i + 1;
}

function assertNamed(issues: ConfigIssue[], yaml: string, needle: string, partner: string, re: RegExp): void {
  const line = lineOf(yaml, needle);
  const hit = issues.find((i) => i.line === line && i.partner === partner && re.test(i.message));
  assert.ok(hit, `no issue at line ${line} for partner ${partner} matching ${re}: ${JSON.stringify(issues, null, 1)}`);
  assert.equal(hit.file, 'lint.yaml');
  assert.match(hit.message, new RegExp(`partner "${partner}"`));
  assert.match(hit.message, /fix: /);
}

for (const pattern of ['"*"', '"*.com"', '"co.uk"', '"*.co.uk"', '"*.github.io"', '"203.0.113.7"', '"*:8080"']) {
  test(`an identity grant to ${pattern} is refused`, () => {
    const yaml = `${HEAD}  - id: wide
    name: Wide
    purpose: test
    tls: required
    hosts: [ok.partner.example, ${pattern}]
    send:
      - { attribute: msisdn, form: pseudonym, header: X-Alias }
`;
    assertNamed(refused(yaml), yaml, 'hosts:', 'wide', /identity grant/);
  });
}

test('a claim to a broad pattern is allowed (no identity)', () => {
  const yaml = `${HEAD}  - id: claims
    name: Claims
    purpose: test
    hosts: ["*.com"]
    send:
      - { attribute: age-verified, header: X-Age-Verified }
`;
  assert.doesNotThrow(() => parseConfig(yaml, 'lint.yaml'));
});

test('two partners claiming the same host are refused', () => {
  const yaml = `${HEAD}  - id: first
    name: First
    purpose: test
    hosts: [shop.example]
  - id: second
    name: Second
    purpose: test
    hosts: [other.example, Shop.Example]
`;
  assertNamed(refused(yaml), yaml, 'hosts: [other.example', 'second', /already claimed by partner "first"/);
});

test('a sealed grant without a partner key, a token grant without the key file, are refused', () => {
  const yaml = `${HEAD}  - id: sealer
    name: Sealer
    purpose: test
    hosts: [a.example]
    send:
      - { attribute: msisdn, form: sealed, header: X-Sealed }
  - id: tokens
    name: Tokens
    purpose: test
    hosts: [b.example]
    send:
      - { attribute: msisdn, form: token, header: X-Token }
`;
  const issues = refused(yaml);
  assertNamed(issues, yaml, 'form: sealed', 'sealer', /needs a partner "key"/);
  assertNamed(issues, yaml, 'form: token', 'tokens', /key file/);
});

test('a raw MSISDN to a partner without tls: required is refused unless the grant allows cleartext', () => {
  const yaml = `${HEAD}  - id: plain
    name: Plain
    purpose: test
    hosts: [a.example]
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN }
`;
  assertNamed(refused(yaml), yaml, 'form: raw', 'plain', /cleartext/);
  assert.doesNotThrow(() => parseConfig(yaml.replace('header: X-MSISDN }', 'header: X-MSISDN, cleartext: allowed }'), 'lint.yaml'));
  assert.doesNotThrow(() => parseConfig(yaml.replace('    hosts: [a.example]', '    tls: required\n    hosts: [a.example]'), 'lint.yaml'));
});

test('a partner past its until: date is warned at load and receives nothing', () => {
  const yaml = `${HEAD}  - id: expired
    name: Expired
    purpose: test
    legalBasis: contract
    until: 2020-01-31
    hosts: [a.example]
    send:
      - { attribute: age-verified, header: X-Age-Verified }
`;
  const loaded = parseConfig(yaml, 'lint.yaml');
  const w = loaded.warnings.find((i) => i.partner === 'expired');
  assert.ok(w, 'warned');
  assert.equal(w.line, lineOf(yaml, 'until:'));
  assert.equal(w.severity, 'warning');
  assert.match(w.message, /ended on 2020-01-31/);
  const p = compilePolicy(loaded.config, 'lint.yaml', loaded.lineOf, { material: false });
  assert.equal(partnerActive(p.partners[0]!), false);
  // Not yet expired: no warning, active.
  const future = parseConfig(yaml.replace('2020-01-31', '2999-01-31'), 'lint.yaml');
  assert.equal(future.warnings.length, 0);
});

test('the demo network passes every lint', () => {
  const loaded = parseConfig(DEMO_YAML, 'demo.yaml');
  assert.deepEqual(
    loaded.lints.filter((l) => l.severity === 'error'),
    [],
  );
});

test('public suffixes come from the Public Suffix List', () => {
  for (const h of ['com', 'co.uk', 'github.io', 'example']) assert.ok(isPublicSuffix(h), h);
  for (const h of ['operator.example', 'example.co.uk', 'me.github.io']) assert.ok(!isPublicSuffix(h), h);
});
