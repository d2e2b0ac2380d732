// Threat: a subscriber's /64 stays bound after their session ended (its Stop
// was lost). The NAS then delegates a /56 holding that /64 to a new subscriber
// (Delegated-IPv6-Prefix). The lookup takes the most specific binding first,
// so every request from an address in the old /64 — now the new subscriber's
// traffic — was identified to partners as the old subscriber until the old
// binding expired. A Start binding a prefix must take over the bindings of
// other sessions inside it, as it takes over its own key; a binding inside it
// from a later event, and the session's own, stay. Memory store and Redis;
// real radclient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';

const labs = radiusLabs('delegated-over-64');
const send = sendAcknowledged;

for (const kind of STORE_KINDS) {
  test(`${kind}: a delegated /56 takes over another session's leftover /64 inside it`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const net = kind === 'memory' ? '2001:db8:aa00' : '2001:db8:bb00';
    // The old subscriber's /64; their Stop never arrives.
    await send(port, { 'Acct-Status-Type': 'Start', 'Framed-IPv6-Prefix': `${net}:1::/64`, 'Calling-Station-Id': '447700900601', 'Acct-Session-Id': `old-${kind}` });
    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900601');
    // Another session's /64 outside the /56 is no concern of it.
    await send(port, {
      'Acct-Status-Type': 'Start',
      'Framed-IPv6-Prefix': `${net.slice(0, -2)}01:1::/64`,
      'Calling-Station-Id': '447700900603',
      'Acct-Session-Id': `outside-${kind}`,
    });
    // The new subscriber gets the /56 holding it (and a /64 of their own inside it, as a NAS may do).
    await send(port, {
      'Acct-Status-Type': 'Start',
      'Framed-IPv6-Prefix': `${net}:2::/64`,
      'Delegated-IPv6-Prefix': `${net}::/56`,
      'Calling-Station-Id': '447700900602',
      'Acct-Session-Id': `new-${kind}`,
    });
    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900602', 'an address in the old /64 is the new subscriber');
    assert.equal((await lab.gw.bindings.find(`${net}:1::7`))?.ip, `${net}::/56`, 'found by the /56');
    assert.equal(await lab.gw.bindings.get(`${net}:1::/64`), undefined, 'the leftover /64 is gone');
    assert.equal((await lab.gw.bindings.get(`${net}:2::/64`))?.subscriber.msisdn, '+447700900602', "the session's own /64 stays");
    assert.equal((await lab.gw.bindings.lookup(`${net.slice(0, -2)}01:1::7`))?.msisdn, '+447700900603', 'outside the /56: untouched');
    // The old session's Stop, late, changes nothing.
    await send(port, { 'Acct-Status-Type': 'Stop', 'Framed-IPv6-Prefix': `${net}:1::/64`, 'Acct-Session-Id': `old-${kind}` });
    assert.equal((await lab.gw.bindings.lookup(`${net}:1::7`))?.msisdn, '+447700900602', 'still the new subscriber after the old Stop');
  });
}
