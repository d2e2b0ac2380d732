// Threat: the next user of an address is identified as the previous one.
// Subscriber A's Stop is lost; the packet gateway gives A's address to B and
// sends B's Start — but one hedge cannot use: no Calling-Station-Id (a
// subscription without a number), a number that is not a mobile one, or no
// Acct-Session-Id. hedge acknowledged it (resending would not help) and
// returned before touching the store, so A stayed bound: B's traffic carried
// A's number to partners until A's binding expired (30 minutes by default).
// Now a Start or Interim that cannot bind unbinds its addresses: B is not
// identified, and never as A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAS_SECRET, acct, radclient } from '../helpers/radius.js';
import { radiusLab } from '../helpers/radius-labs.js';

const radius = radiusLab();
const { skip, msisdnAt } = radius;

const cases: [string, Record<string, string>][] = [
  ['a Start without Calling-Station-Id (a subscription without a number)', { 'Acct-Status-Type': 'Start', 'Acct-Session-Id': 'b-1' }],
  ['a Start with a fixed-line number', { 'Acct-Status-Type': 'Start', 'Calling-Station-Id': '442079460000', 'Acct-Session-Id': 'b-2' }],
  ['a Start with a number that is no number', { 'Acct-Status-Type': 'Start', 'Calling-Station-Id': '4477', 'Acct-Session-Id': 'b-3' }],
  ['a Start without Acct-Session-Id', { 'Acct-Status-Type': 'Start', 'Calling-Station-Id': '447700900302' }],
  ['an Interim of another session without a usable number', { 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Id': 'b-5' }],
];

let n = 10;
for (const [name, fields] of cases) {
  test(`${name}: the address's previous holder is no longer sent`, { skip }, async () => {
    const framed = `10.0.0.${++n}`;
    const source = `127.0.0.${n}`;
    const a = await radclient(
      radius.port,
      NAS_SECRET,
      acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': framed, 'Calling-Station-Id': '447700900301', 'Acct-Session-Id': `a-${n}` }),
    );
    assert.ok(a.answered, a.output);
    assert.equal(await msisdnAt(source), '+447700900301', "A is bound (and A's Stop will be lost)");
    const b = await radclient(radius.port, NAS_SECRET, acct({ 'Framed-IP-Address': framed, ...fields }));
    assert.ok(b.answered, 'acknowledged: resending would not fix it');
    assert.equal(await msisdnAt(source), undefined, "B's traffic carries no identity, and never A's");
  });
}
