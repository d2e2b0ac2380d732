// Threat: a session's Stop names only some of its addresses (here its IPv4
// address, not its IPv6 prefix), and hedge has no binding that would name the
// rest (the first copy of the Start was lost). The Start then arrives late —
// resent by the NAS, reordered, or replayed within maxEventAgeSeconds. A
// stopped session must bind nothing, whichever of its addresses a packet names:
// the memory store remembered the session as stopped, but Redis remembered it
// only beside the addresses the Stop named, so with Redis the late Start bound
// the IPv6 prefix to the subscriber whose session was over (the next holder of
// the prefix was identified as them until their own Start), and a late
// unusable Start of it unbound whoever held a prefix the Stop had not named.
// Memory store and Redis must agree: acknowledged, counted as "stopped",
// nothing bound or unbound. Real radclient, real Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';

const labs = radiusLabs('stop-names-some');
const send = sendAcknowledged;

for (const kind of STORE_KINDS) {
  test(`${kind}: a late Start of a stopped session binds none of its addresses, even those its Stop did not name`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 1 : 2;
    const sid = `A-${kind}-${Date.now()}`;
    const prefix = `2001:db8:41:${n}::/64`;
    const start = {
      'Acct-Status-Type': 'Start',
      'Framed-IP-Address': `10.0.41.${n}`,
      'Framed-IPv6-Prefix': prefix,
      'Calling-Station-Id': '447700900411',
      'Acct-Session-Id': sid,
      'Event-Timestamp': Math.floor(Date.now() / 1000),
    };
    const stopped = () => lab.gw.metrics.value('hedge_radius_accounting_total', { status: 'start', outcome: 'stopped' });
    const before = await stopped();
    // The first copy of the Start is lost; the Stop names the IPv4 address only.
    await send(port, { 'Acct-Status-Type': 'Stop', 'Framed-IP-Address': `10.0.41.${n}`, 'Acct-Session-Id': sid });
    await send(port, start);
    assert.equal(await lab.gw.bindings.get(`127.0.41.${n}`), undefined, 'the IPv4 address is not bound');
    assert.equal(await lab.gw.bindings.get(prefix), undefined, 'the IPv6 prefix is not bound to a session that is over');
    assert.equal((await stopped()) - before, 1, 'counted as a stopped session');
  });

  test(`${kind}: a late unusable Start of a stopped session leaves the holder of an address its Stop did not name bound`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 3 : 4;
    const sid = `S-${kind}-${Date.now()}`;
    const prefix = `2001:db8:41:${n}::/64`;
    await send(port, { 'Acct-Status-Type': 'Stop', 'Framed-IP-Address': `10.0.41.${n}`, 'Acct-Session-Id': sid });
    // The NAS gives the prefix to B.
    await send(port, { 'Acct-Status-Type': 'Start', 'Framed-IPv6-Prefix': prefix, 'Calling-Station-Id': '447700900412', 'Acct-Session-Id': `B-${sid}` });
    assert.equal((await lab.gw.bindings.get(prefix))?.subscriber.msisdn, '+447700900412', 'B bound');
    // S's Start (no usable number) arrives late, naming only the prefix.
    await send(port, { 'Acct-Status-Type': 'Start', 'Framed-IPv6-Prefix': prefix, 'Calling-Station-Id': '442079460000', 'Acct-Session-Id': sid });
    assert.equal((await lab.gw.bindings.get(prefix))?.subscriber.msisdn, '+447700900412', 'B still bound');
  });
}
