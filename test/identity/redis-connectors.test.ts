// src/identity/redis-connectors.ts extends ioredis's connectors, one of them
// loaded by its file path, and hooks where SentinelConnector makes its clients
// for the sentinels. An upgrade that moves either fails here, not in
// production: the connector ioredis uses by default is the class extended,
// and the sentinels' clients get the guarded connector (calling the hook
// throws if ioredis no longer has it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { GuardedSentinelConnector, GuardedStandaloneConnector, StandaloneConnector, guardedConnectors } from '../../src/identity/redis-connectors.js';

test('the standalone connector extended is the one ioredis uses by default', () => {
  const plain = new Redis({ lazyConnect: true });
  assert.ok((plain as unknown as { connector: unknown }).connector instanceof StandaloneConnector);
  plain.disconnect();
  const guarded = new Redis({ lazyConnect: true, Connector: guardedConnectors.standalone });
  assert.ok((guarded as unknown as { connector: unknown }).connector instanceof GuardedStandaloneConnector);
  guarded.disconnect();
});

test("a sentinel-managed client's own clients for the sentinels get the guarded connector", () => {
  const c = new GuardedSentinelConnector({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'mymaster' });
  const sentinelClient = (c as unknown as { connectToSentinel(e: unknown, o?: unknown): Redis }).connectToSentinel({ host: '127.0.0.1', port: 1 }, { lazyConnect: true });
  assert.ok((sentinelClient as unknown as { connector: unknown }).connector instanceof GuardedStandaloneConnector);
  sentinelClient.disconnect();
});
