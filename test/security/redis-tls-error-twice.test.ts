// Threat: a Redis server the gateway does not trust (the wrong CA configured,
// or someone in the path) ends the gateway. ioredis listens for a socket's
// 'error' with `once`; a TLS socket it ends while the handshake is failing
// reports two errors (the certificate's, then the server's alert), and the
// second one, with no listener, was an uncaught exception: the process would
// have exited. Closing a binding store whose CA is not the server's, at random
// moments of its reconnect cycle, hit it about once in thirty closes (seen in
// CI). Here 150 closes: with the bug, the chance of none failing is under 1 %;
// with every socket given a lasting listener (src/identity/redis-connectors.ts),
// none may.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RedisBindingStore } from '../../src/identity/redis-store.js';
import { makeLabPki, type LabPki } from '../helpers/pki.js';
import { startRedisTls, type Topology } from '../helpers/redis-topologies.js';

let pki: LabPki;
let otherCa: LabPki;
let topo: Topology | string;

before(async () => {
  pki = makeLabPki(['127.0.0.1', 'localhost'], 'hedge-redis');
  otherCa = makeLabPki(['127.0.0.1'], 'not-the-redis-ca');
  topo = await startRedisTls(pki);
});

after(async () => {
  if (typeof topo !== 'string') await topo?.stop();
  pki?.cleanup();
  otherCa?.cleanup();
});

test('closing a store whose TLS handshakes fail, at any moment, raises no uncaught exception', async (t) => {
  if (typeof topo === 'string') return t.skip(topo);
  const uncaught: string[] = [];
  const onUncaught = (err: Error) => uncaught.push(String((err as NodeJS.ErrnoException).code ?? err.message));
  process.on('uncaughtException', onUncaught);
  try {
    for (let i = 0; i < 150; i++) {
      const s = new RedisBindingStore(topo.spec, { keyPrefix: `hedge-twice-${randomBytes(3).toString('hex')}:`, timeoutMs: 1000, maxStaleMs: 0, tls: { ca: otherCa.ca } });
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      await s.close();
    }
    // A late second error arrives within milliseconds of the close.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  assert.deepEqual(uncaught, [], 'a socket error reached no listener');
});
