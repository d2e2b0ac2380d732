// Threat: an Accounting-Request's authenticator proves it came from the NAS,
// not when. A Start for subscriber A captured on the way (the signalling
// network, a mirror port) and replayed later from the NAS's spoofed source —
// past the 30 s retransmission window, or from another source port, which the
// retransmission cache keys on — re-binds the address to A, though the NAS has
// since given it to B: B's traffic is identified to partners as A. Likewise a
// long-buffered or replayed Start binds an address to someone who left it, and
// a replayed Accounting-On unbinds every later session of its NAS. Each event
// has a time (Event-Timestamp, else receipt time − Acct-Delay-Time): a Start
// older than the binding it would replace, older than maxEventAgeSeconds or
// dated in the future is acknowledged and applied to nothing, counted in
// hedge_radius_stale_total{reason}; a late Stop still ends its own session.
// Memory store, Redis (the comparison inside the Lua script) and --workers.
// Real radclient through a capturing relay on loopback; the replay is the
// captured bytes, sent again from another port.
import { startDemoCluster } from '../helpers/demo-cluster.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { captureRelay, radclientMissing, sendFrom, withRadius } from '../helpers/radius.js';
import { STORE_KINDS, radiusLabs, sendAcknowledged } from '../helpers/radius-labs.js';
import { portOf } from '../helpers/hedge-process.js';

const labs = radiusLabs('replay');
const missing = radclientMissing();
const nowS = () => Math.floor(Date.now() / 1000);
const send = sendAcknowledged;

/** Sends a Start for A through a capturing relay and returns its bytes: what an attacker on the path keeps. */
async function capturedStart(port: number, fields: Record<string, string | number>): Promise<Buffer> {
  const relay = await captureRelay(port);
  try {
    await send(relay.port, fields);
    assert.ok(relay.captured.length >= 1);
    return relay.captured[0]!;
  } finally {
    await relay.close();
  }
}

async function replay(port: number, packet: Buffer): Promise<void> {
  assert.equal((await sendFrom(port, '127.0.0.1', packet))?.[0], 5, 'the replay is acknowledged');
}

const stale = (lab: Lab, reason: string) => lab.gw.metrics.value('hedge_radius_stale_total', { status: 'start', reason });

for (const kind of STORE_KINDS) {
  test(`${kind}: a captured Start replayed after the address went to someone else does not re-bind it`, async (t) => {
    const lab = labs.get(kind);
    if ('skip' in lab) return t.skip(lab.skip);
    const port = lab.gw.radius!.address.port;
    const n = kind === 'memory' ? 1 : 2;
    const A = { 'Acct-Status-Type': 'Start', 'Framed-IP-Address': `10.0.9.${n}`, 'Calling-Station-Id': '447700900901', 'Acct-Session-Id': `A-${kind}` };
    // A's session began a minute ago; its Stop was lost. B holds the address now.
    const captured = await capturedStart(port, { ...A, 'Event-Timestamp': nowS() - 60 });
    assert.equal((await lab.gw.bindings.get(`127.0.9.${n}`))?.subscriber.msisdn, '+447700900901');
    await send(port, { ...A, 'Calling-Station-Id': '447700900902', 'Acct-Session-Id': `B-${kind}`, 'Event-Timestamp': nowS() });
    const before = await stale(lab, 'older_than_binding');

    await replay(port, captured);
    const b = await lab.gw.bindings.get(`127.0.9.${n}`);
    assert.equal(b?.subscriber.msisdn, '+447700900902', 'still B: the replayed Start of an older event did not take the address back');
    assert.equal((await stale(lab, 'older_than_binding')) - before, 1, 'counted');

    // A Start too old to be fresh binds nothing, even on an unbound address; so does one from the future.
    const tooOld = await stale(lab, 'too_old');
    await send(port, { ...A, 'Framed-IP-Address': `10.0.9.${n + 10}`, 'Event-Timestamp': nowS() - 86_400 });
    await send(port, { ...A, 'Framed-IP-Address': `10.0.9.${n + 20}`, 'Acct-Delay-Time': 3600 });
    assert.equal(await lab.gw.bindings.get(`127.0.9.${n + 10}`), undefined, 'a day-old Event-Timestamp binds nothing');
    assert.equal(await lab.gw.bindings.get(`127.0.9.${n + 20}`), undefined, 'an hour of Acct-Delay-Time binds nothing');
    assert.equal((await stale(lab, 'too_old')) - tooOld, 2, 'counted');
    await send(port, { ...A, 'Framed-IP-Address': `10.0.9.${n + 30}`, 'Event-Timestamp': nowS() + 3600 });
    assert.equal(await lab.gw.bindings.get(`127.0.9.${n + 30}`), undefined, 'an Event-Timestamp an hour ahead binds nothing');

    // A late Stop still ends its own session; a replayed Accounting-On removes nothing newer than itself.
    const C = { 'Framed-IP-Address': `10.0.9.${n + 40}`, 'Calling-Station-Id': '447700900903', 'Acct-Session-Id': `C-${kind}` };
    await send(port, { ...C, 'Acct-Status-Type': 'Start', 'Event-Timestamp': nowS() - 120 });
    await send(port, { ...C, 'Acct-Status-Type': 'Stop', 'Event-Timestamp': nowS() - 100, 'Acct-Delay-Time': 3600 });
    assert.equal(await lab.gw.bindings.get(`127.0.9.${n + 40}`), undefined, 'the late Stop removed its session');
    await send(port, { 'Acct-Status-Type': 'Accounting-On', 'Event-Timestamp': nowS() - 30 });
    assert.equal((await lab.gw.bindings.get(`127.0.9.${n}`))?.subscriber.msisdn, '+447700900902', 'B (bound after that restart) stays');
  });
}

test('requireEventTimestamp: a Start without Event-Timestamp is acknowledged and binds nothing', async (t) => {
  if (missing) return t.skip(missing);
  const lab = await startLab({ edit: withRadius('  requireEventTimestamp: true\n') });
  try {
    const port = lab.gw.radius!.address.port;
    const A = { 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.9.50', 'Calling-Station-Id': '447700900950', 'Acct-Session-Id': 'undated' };
    const before = await stale(lab, 'no_event_timestamp');
    await send(port, A);
    assert.equal(await lab.gw.bindings.get('127.0.9.50'), undefined);
    assert.equal((await stale(lab, 'no_event_timestamp')) - before, 1);
    await send(port, { ...A, 'Event-Timestamp': nowS() });
    assert.equal((await lab.gw.bindings.get('127.0.9.50'))?.subscriber.msisdn, '+447700900950', 'a dated one binds');
  } finally {
    await lab.close();
  }
});

test('--workers 2: the replayed Start re-binds the address on no worker', async (t) => {
  if (missing) return t.skip(missing);
  const cluster = await startDemoCluster({ edit: withRadius() });
  try {
    const radius = portOf((await cluster.node.waitFor((l) => l.msg === 'hedge cluster started')).radius);
    const proxy = portOf(cluster.started()[0]!.proxy);
    const A = { 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.9.61', 'Calling-Station-Id': '447700900961', 'Acct-Session-Id': 'A-workers' };
    const captured = await capturedStart(radius, { ...A, 'Event-Timestamp': nowS() - 60 });
    await send(radius, { ...A, 'Calling-Station-Id': '447700900962', 'Acct-Session-Id': 'B-workers', 'Event-Timestamp': nowS() });
    await replay(radius, captured);
    const out: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      // A new connection per request: the cluster spreads them over both workers.
      const r = await viaProxy({ port: proxy }, 'http://my.operator.example/', { localAddress: '127.0.9.61' });
      assert.equal(r.status, 200);
      out.push(r.json().headers['x-msisdn'] as string | undefined);
    }
    assert.deepEqual(out, Array(8).fill('+447700900962'), 'B on every worker');
  } finally {
    await cluster.stop();
  }
});
