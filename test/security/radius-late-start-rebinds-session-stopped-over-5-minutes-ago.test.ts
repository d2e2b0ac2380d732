// Threat: a stopped session was remembered for 5 minutes whatever
// radius.maxEventAgeSeconds said. With maxEventAgeSeconds above 5 minutes (a
// NAS that stores and forwards accounting while hedge is unreachable), a late
// Start or Interim of a session that stopped 6 minutes ago is young enough to
// be accepted, finds no record of the Stop, and binds the address again: whoever
// the NAS gave it to since is identified to partners as the old subscriber. A
// Stop must be remembered as long as a packet of its session can still be
// accepted. No real waiting: the memory store runs on a clock the test moves,
// and with Redis the Stop's records are aged in Redis by the 6 minutes (their
// expiry brought forward), as if the time had passed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startLab, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, sendFrom, withRadius } from '../helpers/radius.js';
import { redisService, type Service, dropKeysAndStop } from '../helpers/services.js';
import { encodeAccountingRequest, type AccountingMessage } from '../../src/identity/radius/sender.js';
import { decodeAccounting } from '../../src/identity/radius/packet.js';
import { applyAccounting, type AccountingContext } from '../../src/identity/radius/accounting.js';
import { MemoryBindingStore } from '../../src/identity/memory-store.js';

const MAX_EVENT_AGE_S = 3600;
const SIX_MINUTES = 6 * 60_000;
const PREFIX = `hedge-stopped-age-${process.pid}-${randomBytes(4).toString('hex')}:`;
let redis: Service | string;
let lab: Lab | undefined;
let id = 0;

const encode = (m: AccountingMessage) => encodeAccountingRequest(m, NAS_SECRET, ++id & 255);

before(async () => {
  redis = await redisService();
  if (typeof redis === 'string') return;
  const url = redis.url;
  lab = await startLab({
    edit: (y) => withRadius(`  maxEventAgeSeconds: ${MAX_EVENT_AGE_S}\n`)(y.replace('store: memory', `store: ${url}\n  redis:\n    keyPrefix: "${PREFIX}"`)),
  });
});
after(async () => {
  await lab?.close();
  if (typeof redis !== 'string') await dropKeysAndStop(redis, PREFIX);
});

test('memory: a late Start of a session stopped 6 minutes ago binds nothing while maxEventAgeSeconds accepts it', async () => {
  let now = Date.now();
  const store = new MemoryBindingStore(() => now);
  try {
    const ctx: AccountingContext = {
      store,
      country: 'GB',
      interimMultiplier: 3,
      interimIntervalSeconds: 600,
      mapAddress: (ip) => ip,
      now: () => now,
      freshness: { maxEventAgeSeconds: MAX_EVENT_AGE_S, clockSkewSeconds: 10, requireEventTimestamp: false },
    };
    const A = { framedIp: '10.0.9.1', msisdn: '447700900901', sessionId: 'stopped-6-min-ago' };
    const startedAt = Math.floor(now / 1000) - 60;
    const apply = (m: AccountingMessage) => applyAccounting(decodeAccounting(encode(m)), 'nas-a', ctx);
    assert.equal((await apply({ status: 'start', ...A, eventTimestamp: startedAt })).outcome, 'bound');
    assert.equal((await apply({ status: 'stop', ...A, eventTimestamp: Math.floor(now / 1000) })).outcome, 'removed');
    now += SIX_MINUTES;
    // The Start's copy the NAS held back arrives now: 7 minutes old, within maxEventAgeSeconds.
    assert.equal((await apply({ status: 'start', ...A, eventTimestamp: startedAt })).outcome, 'stopped', 'the late Start is of a stopped session');
    assert.equal((await apply({ status: 'interim', ...A, eventTimestamp: startedAt + 30 })).outcome, 'stopped', 'so is a late Interim');
    assert.equal(store.get('10.0.9.1'), undefined, 'nothing bound');
    // Once even a Start dated at the Stop would be too old, the record may go.
    now += MAX_EVENT_AGE_S * 1000;
    assert.equal((await apply({ status: 'start', ...A, eventTimestamp: startedAt })).outcome, 'stale');
  } finally {
    store.close();
  }
});

test('redis: a late Start of a session stopped 6 minutes ago binds nothing while maxEventAgeSeconds accepts it', async (t) => {
  if (!lab) return t.skip(redis as string);
  const port = lab.gw.radius!.address.port;
  const r = new Redis((redis as Service).url);
  try {
    const A = { framedIp: '10.0.9.2', msisdn: '447700900902', sessionId: 'stopped-6-min-ago' };
    const startedAt = Math.floor(Date.now() / 1000) - 7 * 60; // 6 minutes before the Stop, as seen after the 6 minutes below
    const acked = async (m: AccountingMessage) => assert.equal((await sendFrom(port, '127.0.0.1', encode(m)))?.[0], 5, 'acknowledged');
    const stopped = () => lab!.gw.metrics.value('hedge_radius_accounting_total', { status: 'start', outcome: 'stopped' });
    const s0 = await stopped();
    await acked({ status: 'start', ...A, eventTimestamp: startedAt + 60 });
    await acked({ status: 'stop', ...A });
    assert.equal(await lab.gw.bindings.get('127.0.9.2'), undefined, 'stopped');
    // 6 minutes pass: every record of the Stop expires 6 minutes sooner (or is gone).
    const records = [...(await r.keys(`${PREFIX}stopped:*`)), ...(await r.keys(`${PREFIX}stop:*`))];
    assert.ok(records.length >= 2, 'the Stop left its records');
    for (const k of records) {
      const left = (await r.pttl(k)) - SIX_MINUTES;
      if (left > 0) await r.pexpire(k, left);
      else await r.del(k);
    }
    await acked({ status: 'start', ...A, eventTimestamp: startedAt });
    assert.equal(await lab.gw.bindings.get('127.0.9.2'), undefined, 'the late Start bound nothing');
    assert.equal((await stopped()) - s0, 1, 'counted as a stopped session');
  } finally {
    r.disconnect();
  }
});
