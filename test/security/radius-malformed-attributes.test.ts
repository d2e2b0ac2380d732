// Threat: a packet that passes the authenticator (a NAS with a bug, or anyone
// holding its secret) but whose attributes are malformed or oversized: an
// address of the wrong length, an integer of two octets, a 253-octet number
// or IMSI, a 3GPP sub-attribute that overruns its Vendor-Specific, an IPv6
// prefix of 200 octets, a packet filled to 4096 octets with Proxy-State. None
// may crash or wedge the accounting listener, bind what it should not, or go
// uncounted; the next valid Start still binds. An unusable NAS address,
// 3GPP-RAT-Type or 3GPP-IMSI was ignored without a trace (the Start bound,
// nothing counted): it is still ignored, and now counted in
// hedge_radius_attributes_dropped_total{attribute}.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startLab, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, rawAttribute as attr, signedAccounting as signed, u32, withRadius } from '../helpers/radius.js';
import { sendAccounting } from '../../src/identity/radius/sender.js';
import { waitFor } from '../helpers/wait.js';

let lab: Lab;
let sock: dgram.Socket;
const replies = new Map<number, Buffer>();
before(async () => {
  lab = await startLab({ edit: withRadius() });
  sock = dgram.createSocket('udp4');
  sock.on('message', (m: Buffer) => replies.set(m[1]!, m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
});
after(async () => {
  sock?.close();
  await lab?.close();
});

const ip = (s: string) => Buffer.from(s.split('.').map(Number));
const vsa3gpp = (body: Buffer) => attr(26, Buffer.concat([u32(10415), body]));

/** A Start for 10.0.3.n (bound as 127.0.3.n) with one attribute replaced or added. */
function start(n: number, change: { replace?: number; with?: Buffer; add?: Buffer[] }): Buffer {
  const base: [number, Buffer][] = [
    [40, attr(40, u32(1))],
    [44, attr(44, Buffer.from(`mal-${n}`))],
    [8, attr(8, ip(`10.0.3.${n}`))],
    [31, attr(31, Buffer.from('447700900555'))],
  ];
  const attrs = base.map(([type, a]) => (type === change.replace ? change.with! : a));
  return signed(n, [...attrs, ...(change.add ?? [])]);
}

type Change = { replace?: number; with?: Buffer; add?: Buffer[] };
/** [what is wrong, the packet change, whether the rest of the Start still binds (the attribute ignored)] */
const cases: [string, Change, boolean?][] = [
  ['Framed-IP-Address of 3 octets', { replace: 8, with: attr(8, Buffer.from([10, 0, 3])) }],
  ['Framed-IP-Address of 6 octets', { replace: 8, with: attr(8, Buffer.from([10, 0, 3, 2, 0, 0])) }],
  ['Acct-Status-Type of 2 octets', { replace: 40, with: attr(40, Buffer.from([0, 1])) }],
  ['Acct-Status-Type empty', { replace: 40, with: attr(40, Buffer.alloc(0)) }],
  ['Calling-Station-Id of 253 digits', { replace: 31, with: attr(31, Buffer.from('4'.repeat(253))) }],
  ['Calling-Station-Id of 253 binary octets', { replace: 31, with: attr(31, Buffer.alloc(253, 0xff)) }],
  ['Event-Timestamp of 2 octets', { add: [attr(55, Buffer.from([1, 2]))] }],
  ['NAS-IP-Address of 16 octets', { add: [attr(4, Buffer.alloc(16, 1))] }, true],
  ['NAS-IPv6-Address (95) of 4 octets', { add: [attr(95, Buffer.alloc(4, 1))] }, true],
  ['3GPP-IMSI of 247 digits', { add: [vsa3gpp(attr(1, Buffer.from('0'.repeat(247))))] }, true],
  ['3GPP-RAT-Type of 4 octets', { add: [vsa3gpp(attr(21, u32(6)))] }, true],
  ['3GPP sub-attribute of length 0', { add: [vsa3gpp(Buffer.from([1, 0, 0x30, 0x30]))] }],
  ['3GPP sub-attribute overrunning its Vendor-Specific', { add: [vsa3gpp(Buffer.from([1, 40, 0x30, 0x30]))] }],
  ['Vendor-Specific of 5 octets', { add: [Buffer.from([26, 5, 0, 0, 0])] }],
  ['an attribute of length 1', { add: [Buffer.from([25, 1])] }],
  ['Framed-IPv6-Prefix of 200 octets', { replace: 8, with: attr(97, Buffer.concat([Buffer.from([0, 64]), Buffer.alloc(198, 0x20)])) }],
];

/** Everything the listener counts as refused or dropped, summed. */
async function refusalsCounted(): Promise<number> {
  const text = await lab.gw.metrics.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (
      /^hedge_radius_packets_total\{result="(malformed|unsupported_code)"\}/.test(line) ||
      /^hedge_radius_accounting_total\{[^}]*outcome="invalid"\}/.test(line) ||
      /^hedge_radius_(numbers_refused|attributes_dropped)_total\{/.test(line)
    )
      sum += Number(line.split(' ').pop());
  }
  return sum;
}

test('validly signed packets with malformed or oversized attributes: refused or the attribute ignored, each counted, the listener keeps serving', async () => {
  const port = lab.gw.radius!.address.port;
  for (const [i, [name, change, binds]] of cases.entries()) {
    const n = i + 1;
    const before = await refusalsCounted();
    replies.delete(n);
    await new Promise<void>((r) => sock.send(start(n, change), port, '127.0.0.1', () => r()));
    // Answered (acknowledged, not applied) or dropped: wait for either to have happened.
    const end = Date.now() + 1000;
    while (!replies.has(n) && (await refusalsCounted()) === before && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const bound = await lab.gw.bindings.get(`127.0.3.${n}`);
    if (binds) {
      assert.ok(bound, `${name}: the rest of the Start binds`);
      assert.equal(bound.subscriber.imsi, undefined, `${name}: no unusable value kept`);
      assert.equal(bound.subscriber.ratType, undefined);
    } else assert.equal(bound, undefined, `${name}: nothing bound`);
    await waitFor(`${name} counted`, async () => (await refusalsCounted()) > before, 1000);
  }
  // The listener still applies a valid Start.
  await sendAccounting('127.0.0.1', port, NAS_SECRET, { status: 'start', framedIp: '10.0.3.200', msisdn: '447700900556', sessionId: 'after' }, { timeoutMs: 1000, retries: 3 });
  assert.ok(await lab.gw.bindings.get('127.0.3.200'), 'a valid Start after them binds');
});

test('a packet filled to 4096 octets with Proxy-State is answered with every one echoed; one octet more is dropped', async () => {
  const port = lab.gw.radius!.address.port;
  const base = start(100, {}).subarray(20);
  const room = 4096 - 20 - base.length;
  const states: Buffer[] = [];
  for (let left = room; left > 0;) {
    const len = Math.min(255, left);
    if (len < 2) break;
    states.push(attr(33, Buffer.alloc(len - 2, states.length)));
    left -= len;
  }
  const full = signed(100, [base, ...states]);
  assert.ok(full.length <= 4096 && full.length > 4000, String(full.length));
  replies.delete(100);
  await new Promise<void>((r) => sock.send(full, port, '127.0.0.1', () => r()));
  const end = Date.now() + 2000;
  while (!replies.has(100) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  const reply = replies.get(100);
  assert.ok(reply, 'answered');
  assert.equal(reply.length, 20 + states.reduce((a, s) => a + s.length, 0), 'every Proxy-State echoed, nothing else');
  const malformed = () => lab.gw.metrics.value('hedge_radius_packets_total', { result: 'malformed' });
  const before = await malformed();
  const over = Buffer.concat([full, Buffer.from([33, 3, 0])]);
  over.writeUInt16BE(over.length, 2);
  await new Promise<void>((r) => sock.send(over, port, '127.0.0.1', () => r()));
  const until = Date.now() + 1000;
  while ((await malformed()) === before && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await malformed(), before + 1, 'a Length over 4096 is dropped as malformed');
});
