// ConnectionCaps and timeoutOptions (shared/listener-limits.ts), the bounds
// every public listener keeps (proxy, subscriber's page, leak checker): an
// IPv6 client is its /64, an exempt peer is bound by the total only, a
// closed connection gives its share back, a screened one is not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { ConnectionCaps, timeoutOptions, type ConnectionRefusal } from '../../src/shared/listener-limits.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(readonly remoteAddress: string) {
    super();
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

function capped(o: { perAddress: number; exempt?: (a: string) => boolean; screen?: (s: net.Socket) => boolean }) {
  const server = net.createServer();
  const admitted: string[] = [];
  server.on('connection', (s: net.Socket) => admitted.push(s.remoteAddress!));
  const refused: ConnectionRefusal[] = [];
  const caps = new ConnectionCaps({ maxConnections: 0, maxConnectionsPerAddress: o.perAddress, refused: (r) => refused.push(r), exempt: o.exempt, screen: o.screen });
  caps.attach(server);
  const connect = (address: string) => {
    const s = new FakeSocket(address);
    server.emit('connection', s);
    return s;
  };
  return { caps, admitted, refused, connect };
}

test('an IPv6 client is counted by its /64, whichever of its addresses it sends from', () => {
  const c = capped({ perAddress: 2 });
  const a = c.connect('2001:db8:1:2::10');
  c.connect('2001:db8:1:2::20');
  const third = c.connect('2001:db8:1:2:ffff::30');
  assert.equal(third.destroyed, true, 'a third connection from the same /64 is closed');
  assert.equal(c.connect('2001:db8:1:3::10').destroyed, false, 'the next /64 is another client');
  assert.deepEqual(c.refused, ['per_address']);
  assert.equal(c.caps.connections, 3);
  a.destroy();
  assert.equal(c.caps.connections, 2);
  assert.equal(c.connect('2001:db8:1:2::40').destroyed, false, 'a closed connection gives its share back');
});

test('an IPv4 client is one client however it is written; an exempt peer is not bound per client', () => {
  const c = capped({ perAddress: 1, exempt: (a) => a === '10.0.0.1' });
  c.connect('192.0.2.7');
  assert.equal(c.connect('::ffff:192.0.2.7').destroyed, true);
  for (let i = 0; i < 3; i++) assert.equal(c.connect('10.0.0.1').destroyed, false);
  assert.deepEqual(c.refused, ['per_address']);
});

test('a connection the screen turns away is neither counted nor handed to the server', () => {
  const c = capped({ perAddress: 1, screen: (s) => s.remoteAddress === '192.0.2.9' });
  c.connect('192.0.2.9');
  assert.equal(c.caps.connections, 0);
  assert.deepEqual(c.admitted, []);
  assert.deepEqual(c.refused, []);
});

test('admitClient: a client known after accept (PROXY header, in-process hop) shares the same count, gives it back on close, not the total', () => {
  const c = capped({ perAddress: 2, exempt: (a) => a === '10.0.0.1' });
  // The balancer's own connections: exempt at accept, counted in the total.
  for (let i = 0; i < 3; i++) c.connect('10.0.0.1');
  assert.equal(c.caps.connections, 3);
  const first = new FakeSocket('10.0.0.1');
  assert.equal(c.caps.admitClient('2001:db8:1:2::1', first), true);
  assert.equal(c.caps.admitClient('2001:db8:1:2::2', new FakeSocket('10.0.0.1')), true);
  assert.equal(c.caps.admitClient('2001:db8:1:2::3', new FakeSocket('10.0.0.1')), false, 'a third from the same /64');
  assert.deepEqual(c.refused, ['per_address']);
  // The same client arriving directly is counted with its hops.
  assert.equal(c.connect('::ffff:192.0.2.7').destroyed, false);
  assert.equal(c.caps.admitClient('192.0.2.7', new FakeSocket('10.0.0.1')), true);
  assert.equal(c.caps.admitClient('192.0.2.7', new FakeSocket('10.0.0.1')), false);
  first.destroy();
  assert.equal(c.caps.admitClient('2001:db8:1:2::4', new FakeSocket('10.0.0.1')), true, 'a closed one gives its share back');
  assert.equal(c.caps.connections, 4, 'admitted clients are not added to the total a second time');
});

test('slow senders are checked at a fraction of the headers timeout, never the default 30 s', () => {
  assert.equal(timeoutOptions({ headersTimeoutMs: 10_000, idleTimeoutMs: 15_000 }).connectionsCheckingInterval, 1000);
  assert.equal(timeoutOptions({ headersTimeoutMs: 400, idleTimeoutMs: 600 }).connectionsCheckingInterval, 200);
  assert.equal(timeoutOptions({ headersTimeoutMs: 400, idleTimeoutMs: 600 }).keepAliveTimeout, 600);
});
