// Threat: a NAS restarts and says so with Accounting-On (or Off): every session
// it had is over, and hedge removes their bindings — but nothing remembered the
// restart, so an Interim-Update (or Start) of one of those dead sessions that
// arrives afterwards re-created its binding as if hedge had merely lost it: a
// NAS that stores accounting across its restart delivers it after the
// Accounting-On, the network reorders, or someone on the path replays a
// captured Interim within maxEventAgeSeconds. No Stop will ever come for that
// session, so whoever the NAS gives the address to next is identified as the
// dead session's subscriber until their own Start is applied. A Start or
// Interim of that NAS dated before its restart (beyond clockSkewSeconds) must
// be acknowledged and bind nothing, counted as stale (reason before_restart),
// a replayed older Accounting-On must not move the restart back, and sessions
// the NAS starts after the restart bind as before. Memory store and Redis;
// real radclient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';

const labs = radiusLabs('dead-session');
const send = sendAcknowledged;
const nowS = () => Math.floor(Date.now() / 1000);

for (const kind of STORE_KINDS) {
  test(`${kind}: an Interim or Start of a session that ended with its NAS's restart binds nothing`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 1 : 2;
    const key = `127.0.42.${n}`;
    const A = { 'Framed-IP-Address': `10.0.42.${n}`, 'Calling-Station-Id': '447700900421', 'Acct-Session-Id': `A-${kind}-${Date.now()}` };
    const stale = (status: string) => lab.gw.metrics.value('hedge_radius_stale_total', { status, reason: 'before_restart' });
    const [s0, i0] = [await stale('start'), await stale('interim')];

    const t0 = nowS();
    await send(port, { 'Acct-Status-Type': 'Start', ...A, 'Event-Timestamp': t0 - 120 });
    assert.equal((await lab.gw.bindings.get(key))?.subscriber.msisdn, '+447700900421', 'A bound');
    // The NAS restarts: A's session is over, without a Stop.
    await send(port, { 'Acct-Status-Type': 'Accounting-On', 'Event-Timestamp': t0 - 30 });
    assert.equal(await lab.gw.bindings.get(key), undefined, 'the restart removed A');

    // A's Interim from before the restart arrives now; so does its Start again.
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...A, 'Event-Timestamp': t0 - 60 });
    assert.equal(await lab.gw.bindings.get(key), undefined, "the dead session's Interim bound nothing");
    await send(port, { 'Acct-Status-Type': 'Start', ...A, 'Event-Timestamp': t0 - 120 });
    assert.equal(await lab.gw.bindings.get(key), undefined, "the dead session's Start bound nothing");
    assert.equal((await stale('interim')) - i0, 1, 'counted');
    assert.equal((await stale('start')) - s0, 1, 'counted');

    // A replayed, older Accounting-On does not move the restart back.
    await send(port, { 'Acct-Status-Type': 'Accounting-On', 'Event-Timestamp': t0 - 200 });
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...A, 'Event-Timestamp': t0 - 60 });
    assert.equal(await lab.gw.bindings.get(key), undefined, 'still nothing bound');

    // A session the NAS starts after its restart binds at once, also one dated a little before it (clock skew).
    await send(port, {
      'Acct-Status-Type': 'Start',
      'Framed-IP-Address': `10.0.42.${n}`,
      'Calling-Station-Id': '447700900422',
      'Acct-Session-Id': `B-${kind}`,
      'Event-Timestamp': t0 - 35,
    });
    assert.equal((await lab.gw.bindings.get(key))?.subscriber.msisdn, '+447700900422', 'a new session binds');
  });
}
