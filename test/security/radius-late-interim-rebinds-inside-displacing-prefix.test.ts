// Threat: a subscriber's /64 is left bound after their session ended (the
// Stop lost); the NAS delegates a /56 holding it to a new subscriber, whose
// Start takes the old /64 over. Then a late Interim-Update of the old session
// arrives (reordered, held back by the NAS). The Interim checked only its own
// key — nobody held the /64 any more — so it re-created the old /64 inside the
// new subscriber's /56, and the most-specific-first lookup identified the new
// subscriber's traffic from that /64 to partners as the old subscriber. A Start
// or Interim must not write a key inside a prefix that another session holds
// with a later event (the write could never win and would resurface once that
// prefix goes), and a session whose binding was taken over is stopped at that
// key (an undated late Interim, dated by its arrival, re-creates nothing
// either). A genuinely newer Start inside the /56 still binds and wins.
// Memory store, Redis, --workers; real radclient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';
import { radclientMissing, withRadius } from '../helpers/radius.js';
import { adminCall, startDemoCluster } from '../helpers/demo-cluster.js';
import { portOf } from '../helpers/hedge-process.js';

const labs = radiusLabs('late-interim-inside');
const send = sendAcknowledged;
const nowS = () => Math.floor(Date.now() / 1000);
const missing = radclientMissing();

for (const kind of STORE_KINDS) {
  test(`${kind}: a late Interim of a displaced session does not re-create its /64 inside the new /56`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const net = kind === 'memory' ? '2001:db8:ca00' : '2001:db8:cb00';
    const stale = () => lab.gw.metrics.value('hedge_radius_stale_total', { status: 'interim', reason: 'older_than_binding' });
    const OLD = { 'Framed-IPv6-Prefix': `${net}:1::/64`, 'Calling-Station-Id': '447700900701', 'Acct-Session-Id': `old-${kind}` };
    await send(port, { 'Acct-Status-Type': 'Start', ...OLD, 'Event-Timestamp': nowS() - 120 });
    // The old session's Stop never arrives; the /56 holding its /64 goes to someone else.
    await send(port, {
      'Acct-Status-Type': 'Start',
      'Delegated-IPv6-Prefix': `${net}::/56`,
      'Calling-Station-Id': '447700900702',
      'Acct-Session-Id': `new-${kind}`,
      'Event-Timestamp': nowS() - 60,
    });
    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900702', 'the /56 took the old /64 over');

    // A late Interim of the old session, dated before the /56's Start.
    const before = await stale();
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...OLD, 'Event-Timestamp': nowS() - 90 });
    assert.equal(await lab.gw.bindings.get(`${net}:1::/64`), undefined, 'the old /64 is not re-created');
    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900702', 'still the new subscriber');
    assert.equal((await stale()) - before, 1, 'refused and counted as older than the binding');

    // Undated, it is dated by its arrival (after the /56's Start): the takeover still stops it there.
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...OLD });
    assert.equal(await lab.gw.bindings.get(`${net}:1::/64`), undefined, 'an undated late Interim re-creates nothing either');
    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900702');

    // A genuinely newer Start of a /64 inside the /56 (the NAS moved it to a third session) binds and wins there.
    const THIRD = { 'Framed-IPv6-Prefix': `${net}:3::/64`, 'Calling-Station-Id': '447700900703', 'Acct-Session-Id': `third-${kind}` };
    await send(port, { 'Acct-Status-Type': 'Start', ...THIRD, 'Event-Timestamp': nowS() });
    assert.equal((await lab.gw.bindings.lookup(`${net}:3::7`))?.msisdn, '+447700900703', 'a newer Start inside the /56 wins for its /64');
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...THIRD, 'Event-Timestamp': nowS() });
    assert.equal((await lab.gw.bindings.lookup(`${net}:3::7`))?.msisdn, '+447700900703', 'and its Interims refresh it');
    assert.equal((await lab.gw.bindings.lookup(`${net}:2::7`))?.msisdn, '+447700900702', 'the rest of the /56 is still the new subscriber');
  });
}

test('--workers 2: the late Interim re-creates the old /64 on no worker', async (t) => {
  if (missing) return t.skip(missing);
  const cluster = await startDemoCluster({ edit: withRadius() });
  try {
    const radius = portOf((await cluster.node.waitFor((l) => l.msg === 'hedge cluster started')).radius);
    const admin = portOf(cluster.started()[0]!.admin);
    const net = '2001:db8:cc00';
    const OLD = { 'Framed-IPv6-Prefix': `${net}:1::/64`, 'Calling-Station-Id': '447700900711', 'Acct-Session-Id': 'old-workers' };
    await send(radius, { 'Acct-Status-Type': 'Start', ...OLD, 'Event-Timestamp': nowS() - 120 });
    await send(radius, {
      'Acct-Status-Type': 'Start',
      'Delegated-IPv6-Prefix': `${net}::/56`,
      'Calling-Station-Id': '447700900712',
      'Acct-Session-Id': 'new-workers',
      'Event-Timestamp': nowS() - 60,
    });
    await send(radius, { 'Acct-Status-Type': 'Interim-Update', ...OLD, 'Event-Timestamp': nowS() - 90 });
    await send(radius, { 'Acct-Status-Type': 'Interim-Update', ...OLD });
    for (let i = 0; i < 6; i++) {
      // A new connection per request: the primary spreads them over both workers.
      const b = await adminCall(admin, 'GET', `/bindings/${encodeURIComponent(`${net}:1::7`)}`);
      assert.equal(b.status, 200);
      assert.equal(b.body.ip, `${net}::/56`, 'the /56 holds the address on every worker');
      assert.equal(b.body.msisdn, '+447700900712');
    }
  } finally {
    await cluster.stop();
  }
});
