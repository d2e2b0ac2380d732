// Host patterns (partners' `hosts:`): exact names, wildcards that cover
// subdomains but not the apex, explicit ports; malformed patterns refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostPattern, hostPatternMatches, type HostPattern } from '../../src/shared/host-pattern.js';

const hp = (s: string) => parseHostPattern(s) as HostPattern;

test('host patterns: exact, wildcard (subdomains not apex), port', () => {
  assert.ok(hostPatternMatches(hp('my.operator.example'), 'my.operator.example', 80));
  assert.ok(!hostPatternMatches(hp('my.operator.example'), 'x.my.operator.example', 80));
  assert.ok(hostPatternMatches(hp('*.agegate.example'), 'www.agegate.example', 80));
  assert.ok(hostPatternMatches(hp('*.agegate.example'), 'a.b.agegate.example', 80));
  assert.ok(!hostPatternMatches(hp('*.agegate.example'), 'agegate.example', 80), 'not the apex');
  assert.ok(!hostPatternMatches(hp('*.agegate.example'), 'evilagegate.example', 80));
  assert.ok(hostPatternMatches(hp('pay.example:8443'), 'pay.example', 8443));
  assert.ok(!hostPatternMatches(hp('pay.example:8443'), 'pay.example', 80));
  for (const bad of ['', 'a.*.example', '*example', 'exa mple.com', 'host:99999', '**.x']) assert.equal(typeof parseHostPattern(bad), 'string', bad);
});
