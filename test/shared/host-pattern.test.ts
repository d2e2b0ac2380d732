// Host patterns (partners' `hosts:`): exact names, wildcards that cover
// subdomains but not the apex, explicit ports; malformed patterns refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHostName, parseHostPattern, hostPatternMatches, type HostPattern } from '../../src/shared/host-pattern.js';

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

test('host names: lower-cased, one trailing dot dropped; labels of 1–63 letters, digits, hyphens and underscores', () => {
  assert.equal(normalizeHostName('News.Example.'), 'news.example');
  assert.equal(normalizeHostName('_dmarc.my-host.example'), '_dmarc.my-host.example', 'underscores occur in real names');
  assert.equal(normalizeHostName('-edge-.example'), '-edge-.example', 'an edge hyphen is matched, not refused');
  assert.equal(normalizeHostName('192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeHostName(`${'a'.repeat(63)}.example`), `${'a'.repeat(63)}.example`);
  for (const bad of ['', '.', 'a..b', '.a', 'a..', `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}ab`, 'a b.example', 'a:b', 'ex\u00e1mple.example', 'a\n.example'])
    assert.equal(normalizeHostName(bad), undefined, JSON.stringify(bad));
});
