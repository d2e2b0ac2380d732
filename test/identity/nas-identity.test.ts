// The NAS a request is about: the one the packet names, under the client that sent it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nasIdentity } from '../../src/identity/radius/nas-identity.js';

test('NAS-IP-Address, else NAS-IPv6-Address, else NAS-Identifier, scoped under the source', () => {
  assert.equal(nasIdentity('127.0.0.1', {}), '127.0.0.1', 'names no NAS: the source');
  assert.equal(nasIdentity('127.0.0.1', { nasIp: '127.0.0.1', nasIdentifier: 'pgw' }), '127.0.0.1', 'names its own source: the source');
  assert.equal(nasIdentity('127.0.0.1', { nasIp: '192.0.2.1', nasIdentifier: 'pgw' }), '192.0.2.1@127.0.0.1');
  assert.equal(nasIdentity('::1', { nasIpv6: '2001:DB8:0:0::1' }), '2001:db8::1@::1', 'canonical');
  assert.equal(nasIdentity('::1', { nasIpv6: '::1' }), '::1');
  assert.equal(nasIdentity('127.0.0.1', { nasIdentifier: 'pgw|1@x' }), 'id:pgw%7C1%40x@127.0.0.1', 'encoded: no "|" or "@" of its own');
  assert.notEqual(nasIdentity('127.0.0.1', { nasIdentifier: '192.0.2.1' }), nasIdentity('127.0.0.1', { nasIp: '192.0.2.1' }), 'an identifier never spells an address');
});
