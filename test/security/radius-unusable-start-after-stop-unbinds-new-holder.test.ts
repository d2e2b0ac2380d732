// Threat: a Start hedge cannot bind (no usable Calling-Station-Id) unbinds its
// addresses — but the stopped-session check ran only when binding, after the
// unusable check. So such a Start of a session that had already stopped — the
// NAS resending it after the Stop, or reordered after it — unbound whoever the
// NAS had given the address to since: a packet of a session that is over had
// an effect on the next holder's binding. A packet of a stopped session must
// have none: acknowledged, counted as "stopped", nothing bound or unbound.
// Memory store and Redis; real radclient.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLab, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, acct, radclient, radclientMissing, withRadius } from '../helpers/radius.js';
import { redisService, type Service, dropKeysAndStop } from '../helpers/services.js';

const PREFIX = `hedge-unusable-stopped-${process.pid}-${randomBytes(4).toString('hex')}:`;
const labs = new Map<string, Lab>();
let redis: Service | string;
const missing = radclientMissing();

before(async () => {
  if (missing) return;
  labs.set('memory', await startLab({ edit: withRadius() }));
  redis = await redisService();
  if (typeof redis === 'string') return;
  const url = redis.url;
  labs.set('redis', await startLab({ edit: (y) => withRadius()(y.replace('store: memory', `store: ${url}\n  redis:\n    keyPrefix: "${PREFIX}"`)) }));
});
after(async () => {
  for (const l of labs.values()) await l.close();
  if (typeof redis === 'object') await dropKeysAndStop(redis, PREFIX);
});

async function send(port: number, fields: Record<string, string | number>): Promise<void> {
  const r = await radclient(port, NAS_SECRET, acct(fields));
  assert.ok(r.answered, `acknowledged: ${r.output}`);
}

for (const kind of ['memory', 'redis']) {
  test(`${kind}: an unusable Start of a stopped session leaves the address's new holder bound`, async (t) => {
    if (missing) return t.skip(missing);
    const lab = labs.get(kind);
    if (!lab) return t.skip(redis as string);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 1 : 2;
    const ip = `10.0.11.${n}`;
    // Session S: a subscription without a usable number (a fixed-line one), then its Stop.
    const unusable = { 'Acct-Status-Type': 'Start', 'Framed-IP-Address': ip, 'Calling-Station-Id': '442079460000', 'Acct-Session-Id': `S-${kind}` };
    await send(port, unusable);
    await send(port, { 'Acct-Status-Type': 'Stop', 'Framed-IP-Address': ip, 'Acct-Session-Id': `S-${kind}` });
    // The NAS gives the address to B.
    await send(port, { 'Acct-Status-Type': 'Start', 'Framed-IP-Address': ip, 'Calling-Station-Id': '447700900111', 'Acct-Session-Id': `B-${kind}` });
    assert.equal((await lab.gw.bindings.get(`127.0.11.${n}`))?.subscriber.msisdn, '+447700900111', 'B bound');
    const stopped = () => lab.gw.metrics.value('hedge_radius_accounting_total', { status: 'start', outcome: 'stopped' });
    const before = await stopped();
    // S's Start again (resent, or reordered after its Stop).
    await send(port, unusable);
    assert.equal((await lab.gw.bindings.get(`127.0.11.${n}`))?.subscriber.msisdn, '+447700900111', 'B still bound');
    assert.equal((await stopped()) - before, 1, 'counted as a stopped session');
  });
}
