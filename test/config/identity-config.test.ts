// The radius: section and the Redis store settings are checked at load like
// everything else: file, line and key for every problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf, lineOf } from '../helpers/config.js';

const withSection = (section: string) => DEMO_YAML.replace(/^partners:/m, section + 'partners:');

test('a complete radius section and a Redis store are accepted, with defaults', () => {
  const text = withSection(
    'radius:\n  clients:\n    - { address: 192.0.2.10, secret: "sixteen-chars-or-more" }\n    - { cidr: 198.51.100.0/28, secret: "another-long-secret-x" }\n',
  ).replace('store: memory', 'store: redis://127.0.0.1:6379/2');
  const { config, warnings } = parseConfig(text, 'ok.yaml');
  assert.equal(config.radius?.listen, '127.0.0.1:1813');
  assert.equal(config.radius?.interimMultiplier, 3);
  assert.equal(config.subscribers.maxStaleMs, 1000);
  assert.equal(config.subscribers.redis.keyPrefix, 'hedge:');
  assert.deepEqual(warnings, []);
});

test('a radius client with both address and cidr, or neither, is refused at its line', () => {
  const text = withSection('radius:\n  clients:\n    - { address: 192.0.2.10, cidr: 192.0.2.0/24, secret: "sixteen-chars-or-more" }\n');
  const [i] = issuesOf(text);
  assert.equal(i!.key, 'radius.clients[0].address');
  assert.equal(i!.line, lineOf(text, 'cidr: 192.0.2.0/24'));
  assert.match(i!.message, /exactly one of "address" or "cidr"/);
});

test('a radius section without clients, a bad prefix, a mismatched map: each named', () => {
  assert.match(issuesOf(withSection('radius:\n  clients: []\n'))[0]!.message, /at least one NAS client/);
  const bad = issuesOf(withSection('radius:\n  clients:\n    - { cidr: 10.0.0.0/33, secret: "sixteen-chars-or-more" }\n'))[0]!;
  assert.equal(bad.key, 'radius.clients[0].cidr');
  const map = issuesOf(
    withSection('radius:\n  clients:\n    - { address: 127.0.0.1, secret: "sixteen-chars-or-more" }\n  framedAddressMap:\n    - { from: 10.0.0.0/8, to: 127.0.0.0/16 }\n'),
  )[0]!;
  assert.equal(map.key, 'radius.framedAddressMap[0].to');
  assert.match(map.message, /same prefix length/);
});

test('a short shared secret is a warning; a duplicate client an error', () => {
  const { warnings } = parseConfig(withSection('radius:\n  clients:\n    - { address: 127.0.0.1, secret: "short" }\n'), 'w.yaml');
  assert.equal(warnings[0]?.key, 'radius.clients[0].secret');
  const dup = issuesOf(
    withSection('radius:\n  clients:\n    - { address: 127.0.0.1, secret: "sixteen-chars-or-more" }\n    - { address: 127.0.0.1, secret: "sixteen-chars-or-more" }\n'),
  );
  assert.equal(dup[0]!.key, 'radius.clients[1].address');
});

test('an unusable Redis URL is refused without echoing a password', () => {
  const text = DEMO_YAML.replace('store: memory', 'store: redis://:hunter2@127.0.0.1:6379/notanumber');
  const [i] = issuesOf(text);
  assert.equal(i!.key, 'subscribers.store');
  assert.equal(i!.line, lineOf(text, 'store: redis'));
  assert.match(i!.message, /database \(URL path\) must be a number/);
  const unsupported = issuesOf(DEMO_YAML.replace('store: memory', 'store: memcached://u:hunter2@127.0.0.1'))[0]!;
  assert.match(unsupported.message, /unsupported binding store/);
  assert.ok(!unsupported.message.includes('hunter2'));
});

test('subscribers.redis.tls: only with a TLS store, a client certificate with its key, files that exist; each named at its line', () => {
  const withStore = (store: string, tls: string) => DEMO_YAML.replace('store: memory', `store: ${store}\n  redis:\n    tls: ${tls}`);
  const plain = withStore('redis-cluster://10.0.0.1:6379,10.0.0.2:6379', '{ serverName: redis.internal }');
  const notTls = issuesOf(plain).find((i) => i.key === 'subscribers.redis.tls');
  assert.equal(notTls!.line, lineOf(plain, 'tls: {'));
  assert.match(notTls!.message, /rediss:\/\/, rediss-cluster:\/\/ or rediss-sentinel:\/\//);
  const halfCert = issuesOf(withStore('rediss-sentinel://127.0.0.1:26379/main', '{ cert: /nonexistent/client.pem }'));
  assert.ok(halfCert.some((i) => i.key === 'subscribers.redis.tls.key' && /needs both cert and key/.test(i.message)));
  assert.ok(halfCert.some((i) => i.key === 'subscribers.redis.tls.cert' && /cannot read \/nonexistent\/client\.pem/.test(i.message)));
  const { config, warnings } = parseConfig(withStore('rediss-cluster://127.0.0.1:7000,127.0.0.1:7001', '{ serverName: redis.internal }'), 'ok.yaml');
  assert.equal(config.subscribers.redis.tls?.serverName, 'redis.internal');
  assert.deepEqual(warnings, []);
});

test('a binding store on another host in cleartext is a warning: every binding would cross the network unencrypted', () => {
  for (const store of ['redis://redis.internal:6379/0', 'redis-cluster://10.0.0.1:6379,10.0.0.2:6379', 'redis-sentinel://[2001:db8::1]:26379/main']) {
    const text = DEMO_YAML.replace('store: memory', `store: ${store}`);
    const { warnings } = parseConfig(text, 'w.yaml');
    assert.equal(warnings.length, 1, store);
    assert.equal(warnings[0]!.key, 'subscribers.store');
    assert.match(warnings[0]!.message, /cleartext.*rediss/);
  }
  for (const store of ['redis://127.0.0.1:6379/0', 'redis://[::1]:6379', 'redis-cluster://localhost:7000', 'rediss://redis.internal:6380'])
    assert.deepEqual(parseConfig(DEMO_YAML.replace('store: memory', `store: ${store}`), 'ok.yaml').warnings, [], store);
});
