// Threat: one Accounting Start that names hundreds of IPv6 prefixes (a NAS
// with a bug, or anyone holding its secret). A 4096-octet packet holds ~360
// Delegated-IPv6-Prefix /56 attributes. Each bound key carried every other
// key of its session (its peers: k² entries, written to the store), and each
// /56 probed up to 256 longer keys inside it for another session's leftovers
// (k × 256 lookups): one packet, one node's store and event loop busy for
// that long, and a subscriber tied to hundreds of prefixes no session has.
// A session names a few addresses (an IPv4 address, its /64, a delegated
// prefix): the first MAX_V6_ATTRIBUTES well-formed IPv6 attributes are bound,
// the rest dropped and counted in hedge_radius_attributes_dropped_total, and
// the listener goes on serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, rawAttribute as attr, sendFrom, signedAccounting, u32, withRadius } from '../helpers/radius.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';
import { MAX_V6_ATTRIBUTES } from '../../src/identity/radius/packet.js';

let lab: Lab;
before(async () => {
  lab = await startLab({ edit: withRadius() });
});
after(async () => lab?.close());

/** Delegated-IPv6-Prefix (123) 2001:db8:<n>::/56: reserved octet, length, 7 prefix octets. */
const delegated56 = (n: number) => attr(123, Buffer.from([0, 56, 0x20, 0x01, 0x0d, 0xb8, n >> 8, n & 255, 0]));

test('a Start naming hundreds of IPv6 prefixes binds the first few, counts the rest dropped, and the listener goes on', { timeout: 60_000 }, async () => {
  const port = lab.gw.radius!.address.port;
  // Another session's /64 first, so that longer prefixes are in use and each /56 would be probed for leftovers.
  await sendAccounting(
    '127.0.0.1',
    port,
    NAS_SECRET,
    { status: 'start', framedIpv6Prefix: '2001:db8:ffff:1::/64', msisdn: '447700900557', sessionId: 'other' },
    {
      timeoutMs: 1000,
      retries: 3,
    },
  );
  const head = [attr(40, u32(1)), attr(44, Buffer.from('many-prefixes')), attr(31, Buffer.from('447700900558'))];
  const prefixes: Buffer[] = [];
  for (let n = 1, size = 20 + Buffer.concat(head).length; size + 11 <= 4096; n++, size += 11) prefixes.push(delegated56(n));
  assert.ok(prefixes.length > 300, String(prefixes.length));
  const dropped = () => lab.gw.metrics.value('hedge_radius_attributes_dropped_total', { attribute: 'Delegated-IPv6-Prefix' });
  const before = await dropped();
  const reply = await sendFrom(port, '127.0.0.1', signedAccounting(7, [...head, ...prefixes]), 30_000);
  assert.equal(reply?.[0], 5, 'answered (Accounting-Response)');
  const bound = (n: number) => lab.gw.bindings.get(`2001:db8:${n.toString(16)}::/56`);
  for (let n = 1; n <= MAX_V6_ATTRIBUTES; n++) assert.equal((await bound(n))?.subscriber.msisdn, '+447700900558', `prefix ${n} bound`);
  for (const n of [MAX_V6_ATTRIBUTES + 1, prefixes.length]) assert.equal(await bound(n), undefined, `prefix ${n} not bound`);
  assert.equal((await dropped()) - before, prefixes.length - MAX_V6_ATTRIBUTES, 'each prefix past the limit counted');
  // The listener still applies a valid Start.
  await sendAccounting('127.0.0.1', port, NAS_SECRET, { status: 'start', framedIp: '10.0.3.201', msisdn: '447700900556', sessionId: 'after' }, { timeoutMs: 1000, retries: 3 });
  assert.ok(await lab.gw.bindings.get('127.0.3.201'), 'a valid Start after it binds');
});
