// deploy/prometheus/alerts.yml: valid rules, unit tests pass under promtool,
// and every alert carries a runbook link to a section that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { unavailable } from '../helpers/services.js';

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim() !== '';
const skip = hasPromtool ? undefined : unavailable('promtool', "install Debian's prometheus package");

test('promtool check rules and promtool test rules pass', { skip }, () => {
  const check = spawnSync('promtool', ['check', 'rules', 'deploy/prometheus/alerts.yml'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: 'deploy/prometheus', encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
});

interface Rule {
  alert: string;
  annotations?: Record<string, string>;
}

test('every alert has a runbook_url into docs/runbooks.md, and every alert is unit-tested', () => {
  const rules = (parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  const runbooks = readFileSync('docs/runbooks.md', 'utf8');
  const anchors = new Set(
    [...runbooks.matchAll(/^## (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const tests = readFileSync('deploy/prometheus/alerts.test.yml', 'utf8');
  for (const r of rules) {
    const url = r.annotations?.runbook_url ?? '';
    assert.match(url, /^docs\/runbooks\.md#/, `${r.alert} has a runbook link`);
    assert.ok(anchors.has(url.split('#')[1]!), `${r.alert}: docs/runbooks.md has the section ${url}`);
    assert.ok(tests.includes(`alertname: ${r.alert}`), `${r.alert} is unit-tested in alerts.test.yml`);
  }
  for (const name of [
    'HedgeCanaryFailing',
    'HedgeEgressGuardHits',
    'HedgeBindingStoreDown',
    'HedgeAuditStoreDown',
    'HedgeUpstreamErrors',
    'HedgePolicyReloadFailed',
    'HedgeGrantsExpiringSoon',
    'HedgeCertificateExpiringSoon',
  ])
    assert.ok(
      rules.some((r) => r.alert === name),
      `${name} (docs/operations.md) is defined`,
    );
});
