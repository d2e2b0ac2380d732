// Threat: a Start binding a prefix takes over the other sessions' bindings
// inside it by probing each key — at most 256 per longer length, so a /48
// Start over /64s (65 536 keys) probed none. A leftover /64 of an old session
// (its Stop lost) inside a /48 the NAS delegated to a new subscriber then kept
// winning the most-specific-first lookup: the new subscriber's traffic from it
// was identified to partners as the old subscriber until the /64 expired. The
// lookup prefers a covering prefix of another session whose event is later
// than the most specific binding's, and removes the outranked one (so it does
// not resurface when the /48's session ends); a newer /64 inside still wins.
// Memory store, Redis, --workers (the worker's lookup has the primary remove
// the leftover everywhere); real radclient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';
import { radclientMissing, withRadius } from '../helpers/radius.js';
import { adminCall, startDemoCluster } from '../helpers/demo-cluster.js';
import { portOf } from '../helpers/hedge-process.js';
import { waitFor } from '../helpers/wait.js';

const labs = radiusLabs('start-48-over-64');
const send = sendAcknowledged;
const nowS = () => Math.floor(Date.now() / 1000);
const missing = radclientMissing();

for (const kind of STORE_KINDS) {
  test(`${kind}: a /48 Start outranks another session's leftover /64 inside it`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const net = kind === 'memory' ? '2001:db8:4801' : '2001:db8:4802';
    const OLD = { 'Framed-IPv6-Prefix': `${net}:1::/64`, 'Calling-Station-Id': '447700900801', 'Acct-Session-Id': `old-${kind}` };
    await send(port, { 'Acct-Status-Type': 'Start', ...OLD, 'Event-Timestamp': nowS() - 120 });
    const NEW = { 'Delegated-IPv6-Prefix': `${net}::/48`, 'Calling-Station-Id': '447700900802', 'Acct-Session-Id': `new-${kind}` };
    await send(port, { 'Acct-Status-Type': 'Start', ...NEW, 'Event-Timestamp': nowS() - 60 });

    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900802', 'an address in the old /64 is the new subscriber');
    assert.equal((await lab.gw.bindings.find(`${net}:1::8`))?.ip, `${net}::/48`, 'found by the /48');
    await waitFor('the outranked /64 removed', async () => (await lab.gw.bindings.get(`${net}:1::/64`)) === undefined, 5000);

    // A late Interim of the old session (dated before the /48) re-creates nothing.
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...OLD, 'Event-Timestamp': nowS() - 90 });
    assert.equal(await lab.gw.bindings.get(`${net}:1::/64`), undefined, 'not re-created');

    // A newer /64 of a third session inside the /48 wins there.
    const THIRD = { 'Framed-IPv6-Prefix': `${net}:3::/64`, 'Calling-Station-Id': '447700900803', 'Acct-Session-Id': `third-${kind}` };
    await send(port, { 'Acct-Status-Type': 'Start', ...THIRD, 'Event-Timestamp': nowS() - 30 });
    assert.equal((await lab.gw.bindings.lookup(`${net}:3::7`))?.msisdn, '+447700900803', 'the newer /64 inside the /48 wins');
    // The /48's session goes on (an Interim, a later event): it was given the /48 before that /64, which stays the third's.
    await send(port, { 'Acct-Status-Type': 'Interim-Update', ...NEW, 'Event-Timestamp': nowS() });
    assert.equal((await lab.gw.bindings.lookup(`${net}:3::7`))?.msisdn, '+447700900803', "the /48's Interim does not take it back");
    assert.equal((await lab.gw.bindings.lookup(`${net}:4::7`))?.msisdn, '+447700900802');

    // The /48's session ends: the old /64 does not resurface.
    await send(port, { 'Acct-Status-Type': 'Stop', ...NEW });
    assert.equal(await lab.gw.bindings.lookup(`${net}:1::7`), undefined, 'nobody, not the old subscriber');
    assert.equal((await lab.gw.bindings.lookup(`${net}:3::7`))?.msisdn, '+447700900803');
  });
}

test('--workers 2: a /48 outranks the leftover /64 on every worker, and the primary removes it', async (t) => {
  if (missing) return t.skip(missing);
  const cluster = await startDemoCluster({ edit: withRadius() });
  try {
    const radius = portOf((await cluster.node.waitFor((l) => l.msg === 'hedge cluster started')).radius);
    const admin = portOf(cluster.started()[0]!.admin);
    const net = '2001:db8:4803';
    await send(radius, {
      'Acct-Status-Type': 'Start',
      'Framed-IPv6-Prefix': `${net}:1::/64`,
      'Calling-Station-Id': '447700900811',
      'Acct-Session-Id': 'old-w',
      'Event-Timestamp': nowS() - 120,
    });
    const NEW = { 'Delegated-IPv6-Prefix': `${net}::/48`, 'Calling-Station-Id': '447700900812', 'Acct-Session-Id': 'new-w' };
    await send(radius, { 'Acct-Status-Type': 'Start', ...NEW, 'Event-Timestamp': nowS() - 60 });
    const address = `/bindings/${encodeURIComponent(`${net}:1::7`)}`;
    for (let i = 0; i < 6; i++) {
      // A new connection per request: the primary spreads them over both workers.
      const b = await adminCall(admin, 'GET', address);
      assert.equal(b.status, 200);
      assert.equal(b.body.ip, `${net}::/48`, 'the /48 holds the address on every worker');
    }
    const prefix = `/bindings/${encodeURIComponent(`${net}:1::/64`)}`;
    await waitFor('the /64 gone', async () => (await adminCall(admin, 'GET', prefix)).status === 404, 5000);
    // Gone in the primary too: once the /48's session ends, no worker identifies the old subscriber.
    await send(radius, { 'Acct-Status-Type': 'Stop', ...NEW });
    for (let i = 0; i < 6; i++) assert.equal((await adminCall(admin, 'GET', address)).status, 404, 'nobody holds the address');
  } finally {
    await cluster.stop();
  }
});
