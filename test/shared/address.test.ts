import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAddress } from '../../src/shared/address.js';
import { compileClients } from '../../src/identity/radius/clients.js';

test('an address has one spelling: IPv6 compressed in lower case, IPv4-mapped IPv6 as IPv4', () => {
  const cases: [string, string][] = [
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:a00:1', '10.0.0.1'],
    ['fe80::0:1%eth0', 'fe80::1%eth0'],
    ['10.0.0.1', '10.0.0.1'],
    ['nas.example', 'nas.example'],
  ];
  for (const [a, want] of cases) assert.equal(canonicalAddress(a), want, a);
});

test('a NAS configured with a long IPv6 form matches the source node:dgram reports', () => {
  const t = compileClients([
    { address: '2001:DB8:0:0::1', secret: 's1', ipv6PrefixLength: 64 },
    { address: '::ffff:a00:2', secret: 's2', ipv6PrefixLength: 64 },
  ]);
  assert.equal(t.match('2001:db8::1')?.secret, 's1');
  assert.equal(t.match('::ffff:10.0.0.2')?.secret, 's2');
  assert.equal(t.match('2001:db8::2'), undefined);
});

test("the front door's trusted proxies match a peer however the entry was written", async () => {
  const { TrustedPeers } = await import('../../src/frontdoor/address-trust.js');
  const t = new TrustedPeers(['2001:DB8:0:0::10', '10.1.0.0/16']);
  assert.ok(t.has('2001:db8::10'));
  assert.ok(t.has('10.1.2.3'));
  assert.ok(t.has('::ffff:10.1.2.3'), 'an IPv4 peer a dual-stack socket reports mapped');
  assert.ok(!t.has('2001:db8::11'));
});
