// The destination policy on its own: address classification, operator
// prefixes, pins, own listeners, one lookup per connection, config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DestinationPolicy, DestinationRefused } from '../../src/destination/policy.js';
import { connectTcp } from '../../src/destination/connect.js';
import { parseIp } from '../../src/destination/ip.js';
import { builtinReason } from '../../src/destination/ranges.js';
import { parseConfig } from '../../src/config/load.js';
import { issuesOf, lineOf } from '../helpers/config.js';

const reason = (a: string) => builtinReason(parseIp(a)!);

test('special addresses are classified, whatever their IPv6 disguise', () => {
  const cases: [string, string | undefined][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['10.1.2.3', 'private'],
    ['172.31.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd00::1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['93.184.215.14', undefined],
    ['64:ff9b::5db8:d70e', undefined],
    ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', undefined],
    ['172.32.0.1', undefined],
  ];
  for (const [a, want] of cases) assert.equal(reason(a), want, a);
});

const none = () => undefined;

test('operator prefixes: the longest match decides, deny wins a tie; own listeners always refused', () => {
  const p = new DestinationPolicy({ rules: { allow: ['10.0.0.0/8', '192.0.2.7', 'fd00:1::/32'], deny: ['10.9.0.0/16', '93.184.0.0/16', '192.0.2.7/32'] }, pinned: none });
  assert.equal(p.check('10.1.2.3', 80), undefined);
  assert.equal(p.check('10.9.2.3', 80), 'denied');
  assert.equal(p.check('93.184.215.14', 80), 'denied');
  assert.equal(p.check('192.0.2.7', 80), 'denied', 'tie: deny wins');
  assert.equal(p.check('fd00:1::5', 80), undefined);
  assert.equal(p.check('fd00:2::5', 80), 'private');
  assert.equal(p.check('::ffff:10.1.2.3', 80), undefined, 'a mapped address is the IPv4 address');
  p.addOwnListener({ address: '10.1.2.3', port: 8080 });
  assert.equal(p.check('10.1.2.3', 8080), 'own-listener');
  assert.equal(p.check('10.1.2.3', 8080, true), 'own-listener', 'even through a pin');
  p.addOwnListener({ address: '0.0.0.0', port: 9090 });
  assert.equal(p.check('127.0.0.5', 9090), 'own-listener');
});

test('pins are allowed; names are resolved once and the connection goes to that exact address', async () => {
  let lookups = 0;
  const answers = [['203.0.113.9', '127.0.0.1'], ['127.0.0.1']];
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const p = new DestinationPolicy({
      rules: { allow: [], deny: ['203.0.113.0/24'] },
      pinned: (host) => (host === 'pinned.example' ? { address: '127.0.0.1', port } : undefined),
      lookup: (_host, cb) =>
        cb(
          null,
          (answers[lookups++] ?? []).map((address) => ({ address, family: 4 })),
        ),
    });
    assert.deepEqual(await p.resolve('pinned.example', 80), { address: '127.0.0.1', port });
    // Every answer is judged; none allowed → refused with the first reason; exactly one lookup per connection.
    await assert.rejects(p.resolve('rebind.example', 80), (e: unknown) => e instanceof DestinationRefused && e.reason === 'denied');
    assert.equal(lookups, 1);
    await assert.rejects(
      new Promise((resolve, reject) =>
        connectTcp(
          p,
          'rebind.example',
          port,
          1000,
          () => {},
          (err, s) => (err ? reject(err) : resolve(s)),
        ),
      ),
      (e: unknown) => e instanceof DestinationRefused && e.reason === 'loopback',
    );
    assert.equal(lookups, 2);
    const s = await new Promise<net.Socket>((resolve, reject) =>
      connectTcp(
        p,
        'pinned.example',
        80,
        1000,
        () => {},
        (err, sock) => (err ? reject(err) : resolve(sock!)),
      ),
    );
    assert.equal(s.remoteAddress, '127.0.0.1');
    assert.equal(s.remotePort, port);
    s.destroy();
  } finally {
    server.close();
  }
});

test('proxy.destinations: bad prefixes are config errors with file, line and key; a loopback allow is warned', () => {
  const text = `operator: {name: T, country: GB}\nproxy:\n  destinations:\n    allow: [10.0.0.0/8]\n    deny:\n      - 10.0.0.0/33\n`;
  const issues = issuesOf(text);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.key, 'proxy.destinations.deny[0]');
  assert.equal(issues[0]!.line, lineOf(text, '10.0.0.0/33'));
  assert.match(issues[0]!.message, /prefix/);
  const warned = parseConfig(`operator: {name: T, country: GB}\nproxy:\n  destinations:\n    allow: ["::/0"]\n`, 'w.yaml');
  assert.ok(warned.warnings.some((w) => w.key === 'proxy.destinations.allow[0]' && /loopback/.test(w.message)));
});
