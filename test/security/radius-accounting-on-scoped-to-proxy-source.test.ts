// Threat: Accounting-On/Off ("this NAS restarted, its sessions are gone") was
// scoped to the datagram's source address, and so was the NAS of a session
// (NAS, Acct-Session-Id). Behind a RADIUS proxy every NAS has the proxy's
// source: one packet gateway's Accounting-On dropped every other gateway's
// sessions, and two gateways' sessions with the same Acct-Session-Id were one
// session — a late Stop from one removed the other's live binding, a late
// Interim from one re-bound the other's address to its own subscriber. The NAS
// is the one the packet names (NAS-IP-Address, else NAS-IPv6-Address, else
// NAS-Identifier, RFC 2865/2866/3162), scoped under the client that sent it.
// Memory store and Redis; real radclient, the proxy being 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';

const labs = radiusLabs('nas-proxy');
const send = sendAcknowledged;

for (const kind of STORE_KINDS) {
  test(`${kind}: behind a proxy, one NAS's Accounting-On and colliding session ids leave the other NASes' sessions alone`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 0 : 10;
    const pgw1 = { 'NAS-IP-Address': '192.0.2.1' };
    const pgw2 = { 'NAS-IP-Address': '192.0.2.2' };
    const pgw3 = { 'NAS-Identifier': 'pgw-3' };
    const a = { 'Framed-IP-Address': `10.0.10.${n + 1}`, 'Calling-Station-Id': '447700900101', 'Acct-Session-Id': 'sid-1' };
    const b = { 'Framed-IP-Address': `10.0.10.${n + 2}`, 'Calling-Station-Id': '447700900102', 'Acct-Session-Id': 'sid-1' };
    const c = { 'Framed-IP-Address': `10.0.10.${n + 3}`, 'Calling-Station-Id': '447700900103', 'Acct-Session-Id': 'sid-3' };
    await send(port, { 'Acct-Status-Type': 'Start', ...pgw1, ...a });
    await send(port, { 'Acct-Status-Type': 'Start', ...pgw2, ...b });
    await send(port, { 'Acct-Status-Type': 'Start', ...pgw3, ...c });
    const holder = async (i: number) => (await lab.gw.bindings.get(`127.0.10.${n + i}`))?.subscriber.msisdn;

    // pgw2 restarts: only its own sessions go.
    await send(port, { 'Acct-Status-Type': 'Accounting-On', ...pgw2 });
    assert.equal(await holder(2), undefined, "pgw2's session cleared");
    assert.equal(await holder(1), '+447700900101', "pgw1's session kept");
    assert.equal(await holder(3), '+447700900103', "pgw-3's session kept");

    // pgw2's late Interim and Stop for its own sid-1 name pgw1's address: another session.
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...pgw2, ...a, 'Calling-Station-Id': '447700900102' });
    assert.equal(await holder(1), '+447700900101', "pgw2's Interim did not re-bind pgw1's address");
    await send(port, { 'Acct-Status-Type': 'Stop', ...pgw2, ...a });
    assert.equal(await holder(1), '+447700900101', "pgw2's Stop did not end pgw1's session");
    // A NAS known by its NAS-Identifier only.
    await send(port, { 'Acct-Status-Type': 'Accounting-Off', ...pgw3 });
    assert.equal(await holder(3), undefined, "pgw-3's session cleared");
    assert.equal(await holder(1), '+447700900101', "pgw1's session kept");
    // pgw1's own Stop still ends its session.
    await send(port, { 'Acct-Status-Type': 'Stop', ...pgw1, ...a });
    assert.equal(await holder(1), undefined);
  });
}
