// The leak checker tells a visitor what their connection reveals; a network's
// own address in a forwarding header (a phone's carrier-grade NAT address, an
// operator's internal proxy) is one such thing. Forwarded allows a port
// (RFC 7239 §6: for="192.0.2.43:47011"), and some proxies put one in
// X-Forwarded-For too: the address and its port were read as one word, which
// is no address, and the page said nothing was revealed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectHeader } from '../../src/leaks/inspect.js';

const internalIp = (name: string, value: string) => inspectHeader(name, value).find((f) => f.what === 'ip');

test('an internal IPv4 address with a port in a forwarding header is found', () => {
  for (const [name, value, address] of [
    ['X-Forwarded-For', '10.1.2.3:51234', '10.1.2.3'],
    ['X-Forwarded-For', '203.0.113.9, 100.64.7.8:4711', '100.64.7.8'],
    ['Forwarded', 'for="10.1.2.3:4711";proto=http', '10.1.2.3'],
    ['Forwarded', 'for=192.168.0.20:80', '192.168.0.20'],
    ['X-Real-IP', '172.16.5.4:1', '172.16.5.4'],
  ] as const) {
    const f = internalIp(name, value);
    assert.ok(f, `${name}: ${value} reveals an internal address`);
    assert.equal(f.match, address, 'the address is shown without its port');
  }
});

test('as before: without a port, bracketed IPv6 with one, and public addresses or bad ports', () => {
  assert.equal(internalIp('X-Forwarded-For', '10.1.2.3')?.match, '10.1.2.3');
  assert.equal(internalIp('Forwarded', 'for="[fd00::7]:443"')?.match, 'fd00::7');
  assert.equal(internalIp('X-Forwarded-For', '203.0.113.9:51234'), undefined, 'a public address is not an internal one');
  assert.equal(internalIp('X-Forwarded-For', '10.1.2.3:999999'), undefined, 'not a port');
  assert.equal(internalIp('X-Forwarded-For', '10.1.2.300:80'), undefined, 'not an address');
});
