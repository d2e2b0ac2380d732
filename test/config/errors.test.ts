// A config with an unknown key, a bad host pattern or a grant of an unknown
// attribute is refused with file:line and the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf, lineOf } from '../helpers/config.js';

test('the demo config from the issue is accepted verbatim', () => {
  const c = parseConfig(DEMO_YAML, 'demo.yaml');
  assert.equal(c.config.partners.length, 4);
});

test('unknown key → file, line and key', () => {
  const text = DEMO_YAML.replace('  mode: forward', '  mode: forward\n  modus: fast');
  const [i] = issuesOf(text);
  assert.equal(i!.file, 'bad.yaml');
  assert.equal(i!.line, lineOf(text, 'modus'));
  assert.equal(i!.key, 'proxy.modus');
  assert.match(i!.message, /unknown key "modus"/);
});

test('bad host pattern → line of the pattern and its key path', () => {
  const text = DEMO_YAML.replace('hosts: ["*.agegate.example"]', 'hosts: ["agegate.*.example"]');
  const [i] = issuesOf(text);
  assert.equal(i!.line, lineOf(text, 'agegate.*.example'));
  assert.equal(i!.key, 'partners[2].hosts[0]');
  assert.match(i!.message, /host pattern/);
});

test('grant of an unknown attribute → line and key', () => {
  const text = DEMO_YAML.replace('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: date-of-birth, header: X-DOB }');
  const [i] = issuesOf(text);
  assert.equal(i!.line, lineOf(text, 'date-of-birth'));
  assert.equal(i!.key, 'partners[2].send[0].attribute');
  assert.match(i!.message, /unknown attribute/);
});

test('several problems are all reported, in line order', () => {
  const text = DEMO_YAML.replace('  mode: forward', '  mode: sideways').replace('country: GB', 'country: gb');
  const issues = issuesOf(text);
  assert.equal(issues.length, 2);
  assert.ok(issues[0]!.line < issues[1]!.line);
});

test('YAML syntax errors carry a line', () => {
  const [i] = issuesOf('operator:\n  name: [unclosed\n');
  assert.ok(i!.line >= 2);
});

test('semantic errors: invalid static number, a partner-held pseudonym secret, admin beyond loopback without token', () => {
  let issues = issuesOf(DEMO_YAML.replace('msisdn: "+447700900123"', 'msisdn: "12"'));
  assert.equal(issues[0]!.key, 'subscribers.static[0].msisdn');
  assert.ok(!issues[0]!.message.includes('12'), 'the value is not echoed');
  issues = issuesOf(DEMO_YAML.replace('    hosts: [pay.billing.example]\n', '    hosts: [pay.billing.example]\n    secret: "demo-only-secret-change-me-0123456789"\n'));
  assert.equal(issues[0]!.key, 'partners[3].secret');
  assert.ok(!issues[0]!.message.includes('demo-only-secret'), 'the value is not echoed');
  issues = issuesOf(DEMO_YAML.replace('listen: 127.0.0.1:9090', 'listen: 0.0.0.0:9090'));
  assert.equal(issues[0]!.key, 'admin.listen');
});

test('defaults fill in when sections are omitted', () => {
  const c = parseConfig('operator: {name: X, country: GB}\n', 'min.yaml').config;
  assert.equal(c.proxy.listen, '127.0.0.1:8080');
  assert.equal(c.proxy.limits.maxHeaders, 100);
  assert.equal(c.admin.listen, '127.0.0.1:9090');
  assert.deepEqual(c.partners, []);
});
