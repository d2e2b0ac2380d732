// Threat: a Start hedge cannot bind (no usable Calling-Station-Id) unbinds its
// addresses — but the stopped-session check ran only when binding, after the
// unusable check. So such a Start of a session that had already stopped — the
// NAS resending it after the Stop, or reordered after it — unbound whoever the
// NAS had given the address to since: a packet of a session that is over had
// an effect on the next holder's binding. A packet of a stopped session must
// have none: acknowledged, counted as "stopped", nothing bound or unbound.
// Memory store and Redis; real radclient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';

const labs = radiusLabs('unusable-stopped');
const send = sendAcknowledged;

for (const kind of STORE_KINDS) {
  test(`${kind}: an unusable Start of a stopped session leaves the address's new holder bound`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
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
