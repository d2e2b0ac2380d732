// Threat: Acct-Session-Id is unique per NAS only (RFC 2866 §5.5), but the
// guards that keep a late Interim-Update or Stop from touching an address
// another session now holds compared the id alone. Two packet gateways (a
// shared pool, a failover pair) can both use an id; a late Interim from one
// then re-binds the address another NAS's live session holds to its own
// subscriber — that subscriber's traffic is identified as someone else — and a
// late Stop removes it. A session must be (NAS, Acct-Session-Id) everywhere:
// memory store and Redis (the Lua guards) alike. Real sockets on loopback: the
// second NAS sends from 127.0.0.2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLab, type Lab } from '../helpers/gateway.js';
import { TWO_NAS_SECRETS, sendFrom, withTwoNas } from '../helpers/radius.js';
import { redisService, type Service, dropKeysAndStop } from '../helpers/services.js';
import { encodeAccountingRequest, type AccountingMessage } from '../../src/identity/radius/sender.js';

const PREFIX = `hedge-nas-sid-${process.pid}-${randomBytes(4).toString('hex')}:`;
const labs = new Map<string, Lab>();
let redis: Service | string;
let id = 0;

before(async () => {
  labs.set('memory', await startLab({ edit: withTwoNas }));
  redis = await redisService();
  if (typeof redis === 'string') return;
  const url = redis.url;
  labs.set('redis', await startLab({ edit: (y) => withTwoNas(y.replace('store: memory', `store: ${url}\n  redis:\n    keyPrefix: "${PREFIX}"`)) }));
});
after(async () => {
  for (const l of labs.values()) await l.close();
  if (typeof redis !== 'string') await dropKeysAndStop(redis, PREFIX);
});

async function fromNas(lab: Lab, nas: 'pgw1' | 'pgw2', m: AccountingMessage): Promise<void> {
  const packet = encodeAccountingRequest(m, TWO_NAS_SECRETS[nas], ++id & 255);
  const r = await sendFrom(lab.gw.radius!.address.port, nas === 'pgw1' ? '127.0.0.1' : '127.0.0.2', packet);
  assert.equal(r?.[0], 5, `${nas}: acknowledged`);
}

for (const kind of ['memory', 'redis']) {
  test(`${kind}: another NAS's late Interim or Stop with a colliding Acct-Session-Id leaves the live binding alone`, async (t) => {
    const lab = labs.get(kind);
    if (!lab) return t.skip(redis as string);
    const n = kind === 'memory' ? 1 : 2;
    const ip = `10.0.7.${n}`;
    const key = `127.0.7.${n}`;
    const sid = `0000000${n}`;
    // pgw1: subscriber B holds the address with session sid.
    await fromNas(lab, 'pgw1', { status: 'start', framedIp: ip, msisdn: '447700900722', sessionId: sid });
    assert.equal((await lab.gw.bindings.get(key))?.subscriber.msisdn, '+447700900722');
    // pgw2: a late Interim for ITS session with the same id (subscriber A once had the address there).
    await fromNas(lab, 'pgw2', { status: 'interim', framedIp: ip, msisdn: '447700900711', sessionId: sid });
    const after = await lab.gw.bindings.get(key);
    assert.equal(after?.subscriber.msisdn, '+447700900722', 'still B: the Interim belongs to another session');
    assert.equal(after?.nas, '127.0.0.1');
    // pgw2: a late Stop with the same id.
    await fromNas(lab, 'pgw2', { status: 'stop', framedIp: ip, sessionId: sid });
    assert.equal((await lab.gw.bindings.get(key))?.subscriber.msisdn, '+447700900722', 'still B: the Stop belongs to another session');
    const notCurrent = await lab.gw.metrics.value('hedge_radius_accounting_total', { status: 'interim', outcome: 'not_current' });
    assert.ok(notCurrent >= 1, 'the other NAS’s Interim counted as not current');
    // The session's own NAS still ends it.
    await fromNas(lab, 'pgw1', { status: 'stop', framedIp: ip, sessionId: sid });
    assert.equal(await lab.gw.bindings.get(key), undefined, 'removed by its own NAS’s Stop');
  });
}
