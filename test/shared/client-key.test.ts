// clientKey: whose traffic a source address is, for the limits kept per client
// (connection cap, upload fair share, page and checker rate limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey } from '../../src/shared/address.js';

test('an IPv6 client is its /64, whatever address of it sends and however it is written', () => {
  const k = clientKey('2001:db8:1:2::10');
  assert.equal(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), k);
  assert.equal(clientKey('2001:0db8:0001:0002:0000:0000:0000:0020'), k);
  assert.equal(clientKey('2001:DB8:1:2::30'), k);
  assert.notEqual(clientKey('2001:db8:1:3::10'), k, 'the next /64 is another client');
});

test('an IPv4 client is its address, also when written IPv4-mapped', () => {
  assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('::ffff:c000:207'), '192.0.2.7');
  assert.notEqual(clientKey('192.0.2.8'), clientKey('192.0.2.7'));
});

test('text that is not an address is its own key', () => {
  assert.equal(clientKey(''), '');
  assert.equal(clientKey('not-an-address'), 'not-an-address');
});
