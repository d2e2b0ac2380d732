// Binding keys: canonical IPv6 prefixes (RFC 5952 text), IPv4-mapped as IPv4,
// operator input refused with a reason, and the fast path (every length up to
// /64) equal to the general one for any address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingKey, formatV6, keyHolds, parseBindingKey, parseV6, prefixKey } from '../../src/shared/binding-key.js';

test('canonical keys', () => {
  assert.equal(bindingKey('10.0.0.1'), '10.0.0.1');
  assert.equal(bindingKey('::ffff:10.0.0.1'), '10.0.0.1', 'IPv4-mapped IPv6 is IPv4');
  assert.equal(bindingKey('2001:DB8:0:0:1::/64'), '2001:db8::/64');
  assert.equal(bindingKey('2001:db8::5'), '2001:db8::5/128', 'an address alone is exactly that address');
  assert.equal(bindingKey('2001:db8::5', { v6AddressLength: 64 }), '2001:db8::/64');
  assert.equal(bindingKey('::/64'), '::/64');
  assert.equal(bindingKey('2001:db8:aa00:1::/56'), '2001:db8:aa00::/56', 'host bits cleared without strict');
});

test('operator input is refused with a reason', () => {
  assert.match(parseBindingKey('2001:db8::1/64', { strict: true }) as string, /bits set beyond \/64; the prefix is 2001:db8::\/64/);
  assert.match(parseBindingKey('10.0.0.0/8') as string, /IPv4 bindings are single addresses/);
  assert.match(parseBindingKey('2001:db8::/129') as string, /0–128/);
  assert.match(parseBindingKey('not-an-address') as string, /not an IP address/);
});

test('parseV6 agrees with the URL parser; the fast path (lengths up to /64) with the general one', () => {
  for (const bad of [':', ':::', '1:::2', '1:', ':1', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '1::2::3', '1:2:3:4:5:6:7:8::']) assert.equal(parseV6(bad), undefined, bad);
  assert.deepEqual(parseV6('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  for (let i = 0; i < 5000; i++) {
    const g = Array.from({ length: 8 }, () => (Math.random() < 0.4 ? 0 : Math.floor(Math.random() * 65536)));
    const text = formatV6(g);
    assert.equal(new URL(`http://[${text}]/`).hostname, `[${text}]`, 'RFC 5952 text');
    assert.deepEqual(parseV6(text), g);
    assert.deepEqual(parseV6(text.toUpperCase()), g);
    assert.equal(prefixKey(g, 64), `${formatV6([g[0]!, g[1]!, g[2]!, g[3]!, 0, 0, 0, 0])}/64`);
    for (let len = 0; len <= 64; len += 1 + (i % 7)) {
      const masked = g.map((x, j) => (len >= 16 * (j + 1) ? x : len <= 16 * j ? 0 : x & ((0xffff << (16 * (j + 1) - len)) & 0xffff)));
      assert.equal(prefixKey(g, len), `${formatV6(masked)}/${len}`, `/${len}`);
    }
  }
});

test('keyHolds', () => {
  assert.ok(keyHolds('::/64', '::1'));
  assert.ok(keyHolds('2001:db8::/32', '2001:db8:ffff::1'));
  assert.ok(!keyHolds('2001:db8::/64', '2001:db8:0:1::1'));
  assert.ok(keyHolds('127.0.0.1', '::ffff:127.0.0.1'));
});
