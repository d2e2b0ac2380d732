// Threat: a Start retransmitted after its session's Stop (the first copy was
// lost or delayed), or an Interim-Update reordered after it, binds the address
// again — nothing remembered that the session had stopped. The NAS hands the
// address to the next subscriber, whose traffic is then identified as the old
// one (for interimMultiplier × Acct-Interim-Interval, 30 min by default) until
// their own Start arrives. A stopped session must be remembered, briefly and
// per (NAS, Acct-Session-Id), so that its late Start or Interim is
// acknowledged (the NAS stops retransmitting) but binds nothing, and counted —
// with the memory store, with Redis (seen by every gateway node sharing it) and
// with --workers (the primary applies RADIUS). A binding the store merely lost
// is no stopped session: an Interim still re-creates it. Real sockets on
// loopback, real gateway processes for --workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, sendFrom, withRadius } from '../helpers/radius.js';
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { redisService, type Service, dropKeysAndStop } from '../helpers/services.js';
import { portOf } from '../helpers/hedge-process.js';
import { encodeAccountingRequest, type AccountingMessage } from '../../src/identity/radius/sender.js';

const PREFIX = `hedge-late-start-${process.pid}-${randomBytes(4).toString('hex')}:`;
const labs = new Map<string, Lab>();
let redis: Service | string;
let id = 0;

const redisEdit = (url: string) => (y: string) => withRadius()(y.replace('store: memory', `store: ${url}\n  redis:\n    keyPrefix: "${PREFIX}"`));

before(async () => {
  labs.set('memory', await startLab({ edit: withRadius() }));
  redis = await redisService();
  if (typeof redis === 'string') return;
  // Two gateway nodes sharing one Redis, each with its own RADIUS listener (a NAS fails over between them).
  labs.set('redis', await startLab({ edit: redisEdit(redis.url) }));
  labs.set('redis-other-node', await startLab({ edit: redisEdit(redis.url) }));
});
after(async () => {
  for (const l of labs.values()) await l.close();
  if (typeof redis !== 'string') await dropKeysAndStop(redis, PREFIX);
});

const encode = (m: AccountingMessage) => encodeAccountingRequest(m, NAS_SECRET, ++id & 255);
async function acked(port: number, packet: Buffer): Promise<void> {
  assert.equal((await sendFrom(port, '127.0.0.1', packet))?.[0], 5, 'acknowledged (the NAS stops retransmitting)');
}

for (const kind of ['memory', 'redis']) {
  test(`${kind}: a Start or Interim arriving after its session's Stop is acknowledged and binds nothing`, async (t) => {
    const lab = labs.get(kind);
    if (!lab) return t.skip(redis as string);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 1 : 2;
    const A = { framedIp: `10.0.8.${n}`, msisdn: '447700900801', sessionId: `late-${kind}` };
    const key = `127.0.8.${n}`;
    const start = encode({ status: 'start', ...A }); // its first copy is lost: it arrives only after the Stop
    const interim = encode({ status: 'interim', ...A }); // reordered after the Stop
    const stopped = (status: string) => lab.gw.metrics.value('hedge_radius_accounting_total', { status, outcome: 'stopped' });
    const [s0, i0] = [await stopped('start'), await stopped('interim')];

    await acked(port, encode({ status: 'stop', ...A }));
    await acked(port, start);
    assert.equal(await lab.gw.bindings.get(key), undefined, 'the late Start bound nothing');
    await acked(port, interim);
    assert.equal(await lab.gw.bindings.get(key), undefined, 'the late Interim bound nothing');
    assert.equal((await stopped('start')) - s0, 1, 'counted');
    assert.equal((await stopped('interim')) - i0, 1, 'counted');

    // The next subscriber the NAS gives the address to is theirs at once.
    await acked(port, encode({ status: 'start', framedIp: A.framedIp, msisdn: '447700900802', sessionId: `next-${kind}` }));
    assert.equal((await lab.gw.bindings.get(key))?.subscriber.msisdn, '+447700900802');
    await acked(port, interim);
    assert.equal((await lab.gw.bindings.get(key))?.subscriber.msisdn, '+447700900802', 'still the new holder');
  });

  test(`${kind}: an Interim still re-creates a binding the store lost (a lost binding is no stopped session)`, async (t) => {
    const lab = labs.get(kind);
    if (!lab) return t.skip(redis as string);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 11 : 12;
    const A = { framedIp: `10.0.8.${n}`, msisdn: '447700900811', sessionId: `lost-${kind}` };
    await acked(port, encode({ status: 'start', ...A }));
    assert.ok(await lab.gw.bindings.remove(`127.0.8.${n}`), 'the store loses it');
    await acked(port, encode({ status: 'interim', ...A }));
    assert.equal((await lab.gw.bindings.get(`127.0.8.${n}`))?.subscriber.msisdn, '+447700900811');
  });
}

test('redis: a Stop taken by one node is known to every node sharing the store', async (t) => {
  const a = labs.get('redis');
  const b = labs.get('redis-other-node');
  if (!a || !b) return t.skip(redis as string);
  const A = { framedIp: '10.0.8.21', msisdn: '447700900821', sessionId: 'failover' };
  await acked(a.gw.radius!.address.port, encode({ status: 'start', ...A }));
  await acked(a.gw.radius!.address.port, encode({ status: 'stop', ...A }));
  // The NAS failed over: its retransmitted Start and a late Interim reach the other node.
  await acked(b.gw.radius!.address.port, encode({ status: 'start', ...A }));
  await acked(b.gw.radius!.address.port, encode({ status: 'interim', ...A }));
  assert.equal(await b.gw.bindings.get('127.0.8.21'), undefined);
  assert.equal(await a.gw.bindings.get('127.0.8.21'), undefined);
});

test('--workers 2: a Start after its Stop binds nothing on any worker', async () => {
  const cluster = await startDemoCluster({ edit: withRadius() });
  try {
    const radius = portOf((await cluster.node.waitFor((l) => l.msg === 'hedge cluster started')).radius);
    const proxy = portOf(cluster.started()[0]!.proxy);
    const A = { framedIp: '10.0.8.31', msisdn: '447700900831', sessionId: 'workers' };
    const start = encode({ status: 'start', ...A });
    await acked(radius, encode({ status: 'stop', ...A }));
    await acked(radius, start);
    await acked(radius, encode({ status: 'interim', ...A }));
    // A new connection per request: the cluster spreads them over both workers.
    const numbers = async (source: string) => {
      const out: (string | undefined)[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await viaProxy({ port: proxy }, 'http://my.operator.example/', { localAddress: source });
        assert.equal(r.status, 200);
        out.push(r.json().headers['x-msisdn'] as string | undefined);
      }
      return out;
    };
    assert.deepEqual(await numbers('127.0.8.31'), Array(8).fill(undefined), 'nobody identified on any worker');
    // Control: another session's Start is used by every worker.
    await acked(radius, encode({ status: 'start', framedIp: '10.0.8.32', msisdn: '447700900832', sessionId: 'workers-2' }));
    assert.deepEqual(await numbers('127.0.8.32'), Array(8).fill('+447700900832'));
  } finally {
    await cluster.stop();
  }
});
