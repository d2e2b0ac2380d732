// Threat: a Start binding an IPv6 prefix removes other sessions' bindings
// inside it. The memory store (also the --workers primary's) looked for them
// by scanning every binding once per longer prefix length in use when probing
// each key would take more steps. A NAS holding a RADIUS secret — or an
// ordinary one delegating /48s over many /64s — made each such Start cost a
// pass over the whole map per length: with 100 000 bindings and bindings at
// every length from /33 to /128, about a second of blocked event loop per
// packet (RADIUS, proxy, admin all waiting). The work per Start must be
// bounded whatever the map holds: at most 256 keys probed per longer length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBindingStore } from '../../src/identity/memory-store.js';
import { prefixKey } from '../../src/shared/binding-key.js';

test('memory: a /32 Start over 100 000 bindings at every length takes milliseconds, not a scan per length', () => {
  const store = new MemoryBindingStore();
  try {
    const subscriber = { msisdn: '+447700900000', source: 'radius' as const };
    for (let i = 0; i < 100_000; i++) store.set({ ip: prefixKey([0x2001, 0xdb8, (i >> 16) & 0xffff, i & 0xffff, 0, 0, 0, 0], 64), subscriber, sessionId: `s${i}`, nas: 'nas-a' });
    for (let l = 33; l <= 128; l++) store.set({ ip: prefixKey([0x2001, 0xdb9, 0, 0, 0, 0, 0, 0], l), subscriber, sessionId: `l${l}`, nas: 'nas-a' });
    let worst = 0;
    for (const len of [32, 40, 48]) {
      const t0 = performance.now();
      assert.equal(store.bind({ ip: prefixKey([0x2001, 0xdba, 0, 0, 0, 0, 0, 0], len), subscriber, sessionId: `start-${len}`, nas: 'nas-b' }), 'written');
      worst = Math.max(worst, performance.now() - t0);
    }
    assert.ok(worst < 150, `each Start bounded (worst ${worst.toFixed(0)} ms)`);
    // What the bound keeps: a /56 still takes over the /64s inside it.
    store.set({ ip: '2001:db8:ff00:1::/64', subscriber, sessionId: 'old', nas: 'nas-a' });
    store.bind({ ip: '2001:db8:ff00::/56', subscriber, sessionId: 'new', nas: 'nas-a' });
    assert.equal(store.get('2001:db8:ff00:1::/64'), undefined);
  } finally {
    store.close();
  }
});
