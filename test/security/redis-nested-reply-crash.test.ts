// Threat: whoever answers the gateway's Redis connections — a compromised or
// impostor Redis node, a Sentinel naming the primary, a cluster node a
// redirection pointed to, or anyone in the path of a cleartext connection —
// ends the gateway with one reply. ioredis 5's reply parser (redis-parser)
// descended into nested arrays by recursion with no depth limit: a reply of
// 100,000 nested `*1` headers (400 KB) overflowed the stack inside the
// socket's 'data' handler, an uncaught RangeError, and the process exited
// (ioredis issue 2108). ioredis 6's decoder turns it into a connection error:
// the store fails closed (no binding, so no disclosure) and reconnects.
// The consent store shares the binding store's client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RedisBindingStore } from '../../src/identity/redis-store.js';

const NESTED = Buffer.from('*1\r\n'.repeat(100_000) + ':1\r\n');

let peer: net.Server;
let port: number;
let answered = 0;

before(async () => {
  // Answers whatever arrives (INFO, CLUSTER SLOTS, SENTINEL get-master-addr-by-name, HELLO…) with the nested reply.
  peer = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', () => {
      answered++;
      s.write(NESTED);
    });
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
  port = (peer.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise((r) => peer.close(r));
});

async function withoutUncaught(run: () => Promise<void>): Promise<string[]> {
  const uncaught: string[] = [];
  const onUncaught = (err: Error) => uncaught.push(err.message);
  process.on('uncaughtException', onUncaught);
  try {
    await run();
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  return uncaught;
}

for (const [topology, spec] of [
  ['a single server', () => `redis://127.0.0.1:${port}`],
  ['a Sentinel naming the primary', () => `redis-sentinel://127.0.0.1:${port}/hedge-primary`],
  ['a cluster seed node', () => `redis-cluster://127.0.0.1:${port}`],
] as const) {
  test(`a deeply nested reply from ${topology} fails the binding store closed and ends nothing`, async () => {
    const before = answered;
    const uncaught = await withoutUncaught(async () => {
      const store = new RedisBindingStore(spec(), { keyPrefix: 'hedge-nested:', timeoutMs: 300, maxStaleMs: 0 });
      try {
        assert.equal(await store.waitReady(1500), false, 'the store is not ready on a peer that answers garbage');
        assert.equal(store.available(), false);
        // Fail closed: no subscriber for the address (an error or nothing, never an identity).
        const found = await Promise.resolve(store.lookup('10.0.0.1')).catch(() => undefined);
        assert.equal(found, undefined);
      } finally {
        await store.close();
      }
      await new Promise((r) => setTimeout(r, 200));
    });
    assert.ok(answered > before, 'the peer was asked and answered');
    assert.deepEqual(uncaught, [], 'no exception escaped the Redis client');
  });
}
