// The compiled policy's host index: the most specific pattern wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostPattern, type HostPattern } from '../../src/shared/host-pattern.js';
import { HostIndex } from '../../src/policy/host-index.js';

const hp = (s: string) => parseHostPattern(s) as HostPattern;

test('host index picks the most specific pattern and agrees with the matcher', () => {
  const idx = new HostIndex<string>();
  idx.add(hp('*.example'), 'wild');
  idx.add(hp('*.shop.example'), 'shop');
  idx.add(hp('pay.shop.example'), 'pay');
  idx.add(hp('pay.shop.example:8443'), 'pay-tls');
  assert.equal(idx.lookup('pay.shop.example', 80), 'pay');
  assert.equal(idx.lookup('pay.shop.example', 8443), 'pay-tls');
  assert.equal(idx.lookup('a.shop.example', 80), 'shop');
  assert.equal(idx.lookup('news.example', 80), 'wild');
  assert.equal(idx.lookup('example', 80), undefined);
  assert.equal(idx.lookup('other.test', 80), undefined);
});
