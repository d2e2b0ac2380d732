// Issue "Bindings for today's networks", acceptance: the Redis primary under
// Sentinel is killed while traffic flows. Lookups fail closed during the
// failover (no request is enriched with anyone else's identity), the node
// recovers by itself within the failover time plus maxStaleMs, and no
// binding whose RADIUS Start was acknowledged is lost (waitReplicas: 1 — a
// Start is answered only once the replica has it). A real primary, replica
// and sentinel started from the installed binaries (test/helpers/redis-topologies.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, withRadius } from '../helpers/radius.js';
import { startRedisSentinel, type SentinelTopology } from '../helpers/redis-topologies.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';
import { waitFor } from '../helpers/wait.js';

const MAX_STALE_MS = 1000;
let topo: SentinelTopology | string;
let lab: Lab | undefined;

before(async () => {
  topo = await startRedisSentinel();
  if (typeof topo === 'string') return;
  lab = await startLab({
    edit: (y) =>
      withRadius()(y).replace(
        'store: memory',
        `store: ${topo && typeof topo !== 'string' ? topo.spec : ''}\n  maxStaleMs: ${MAX_STALE_MS}\n  staticCheckSeconds: 1\n  redis:\n    keyPrefix: "hedge-failover-${randomBytes(3).toString('hex')}:"\n    timeoutMs: 200\n    waitReplicas: 1`,
      ),
  });
});
after(async () => {
  await lab?.close();
  if (typeof topo !== 'string') await topo?.stop();
});

const numberOf = (i: number) => `+4477009004${String(i).padStart(2, '0')}`;
const sourceOf = (i: number) => `127.0.4.${i}`;

test('kill the Redis primary under Sentinel while traffic flows: fail closed, recover, lose nothing acknowledged', async (t) => {
  if (typeof topo === 'string') return t.skip(topo);
  const gw = lab!.gw;
  const port = gw.radius!.address.port;
  const acknowledged = new Set<number>();
  const start = (i: number) =>
    sendAccounting(
      '127.0.0.1',
      port,
      NAS_SECRET,
      { status: 'start', framedIp: `10.0.4.${i}`, msisdn: numberOf(i), sessionId: `fo-${i}`, interimInterval: 600 },
      { timeoutMs: 400, retries: 0 },
    ).then(
      () => void acknowledged.add(i),
      () => undefined, // not acknowledged: a NAS would retransmit; it does not count
    );
  for (let i = 1; i <= 20; i++) await start(i);
  assert.equal(acknowledged.size, 20, 'all acknowledged before the failover');

  // Traffic: requests from bound phones (1–20) and from an unbound one (250), continuously.
  let wrong = 0;
  let enriched = 0;
  let plain = 0;
  let lastEnrichedAt = 0;
  let running = true;
  const reader = (async () => {
    for (let n = 0; running; n++) {
      const i = n % 21 === 20 ? 250 : (n % 20) + 1;
      const r = await viaProxy(gw.proxyAddress, 'http://my.operator.example/', { localAddress: sourceOf(i) });
      assert.equal(r.status, 200, 'traffic always flows');
      const got = r.json().headers['x-msisdn'] as string | undefined;
      if (got === undefined) plain++;
      else if (i !== 250 && got === numberOf(i)) {
        enriched++;
        lastEnrichedAt = Date.now();
      } else wrong++;
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  // Writes keep arriving during the failover too.
  let next = 21;
  const writer = (async () => {
    while (running && next < 200) {
      await start(next++);
      await new Promise((res) => setTimeout(res, 30));
    }
  })();

  await waitFor('enriched traffic and Starts acknowledged during it, before the kill', () => enriched >= 10 && acknowledged.size >= 23, { timeout: 20_000 });
  const killedAt = Date.now();
  await topo.killPrimary();
  const newPrimary = await topo.waitForFailover(topo.primaryPort, 30_000);
  const switchedAt = Date.now();
  assert.equal(newPrimary, topo.replicaPort);
  // Enrichment comes back by itself.
  const deadline = switchedAt + MAX_STALE_MS + 5000;
  while (Date.now() < deadline && lastEnrichedAt < switchedAt) await new Promise((res) => setTimeout(res, 20));
  const recoveredAt = lastEnrichedAt;
  running = false;
  await reader;
  await writer;

  const failoverMs = switchedAt - killedAt;
  const recoveryMs = recoveredAt - killedAt;
  t.diagnostic(
    `failover (kill → sentinel switch) ${failoverMs} ms; enrichment back ${recoveryMs} ms after the kill; ${enriched} enriched, ${plain} without, ${wrong} wrong; ${acknowledged.size} Starts acknowledged`,
  );
  assert.equal(wrong, 0, 'no request carried an identity that was not its own');
  assert.ok(plain > 0, 'lookups failed closed during the failover');
  assert.ok(recoveredAt >= switchedAt, 'enrichment resumed after the switch');
  assert.ok(recoveryMs <= failoverMs + MAX_STALE_MS, `recovered within the failover time plus maxStaleMs (${recoveryMs} > ${failoverMs} + ${MAX_STALE_MS})`);

  const lost: number[] = [];
  for (const i of acknowledged) if ((await gw.bindings.get(sourceOf(i)))?.subscriber.msisdn !== numberOf(i)) lost.push(i);
  assert.deepEqual(lost, [], 'every acknowledged binding survived the failover');
  assert.equal((await gw.bindings.get('127.0.0.1'))?.subscriber.msisdn, '+447700900123', 'the static binding too');
});
