// Issue "Least-revealing enrichment", acceptance: a sealed MSISDN opens with
// the right key at the right host; fails with another partner's key, another
// host, a flipped bit, or after its lifetime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { compactDecrypt } from 'jose';
import { startLab, viaProxy, receivedValues, type Lab } from '../helpers/gateway.js';
import { openSealed } from 'hedge-partner';

const KEY = randomBytes(32).toString('base64url');
const OTHER_KEY = randomBytes(32).toString('base64url');
const PARTNERS = `  - id: sealer
    name: Sealed-value partner
    purpose: age-and-identity
    hosts: [shop.sealed.example, other.sealed.example]
    key: "${KEY}"
    send:
      - { attribute: msisdn, form: sealed, header: X-MSISDN-Sealed }
      - { attribute: imsi, form: sealed, header: X-IMSI-Sealed, lifetime: 60 }
  - id: neighbour
    name: Another partner
    purpose: test
    hosts: [neighbour.example]
    key: "${OTHER_KEY}"
    send:
      - { attribute: msisdn, form: sealed, header: X-MSISDN-Sealed }
`;

let lab: Lab;
before(async () => {
  lab = await startLab({ edit: (y) => y + PARTNERS });
});
after(async () => {
  await lab.close();
});

async function sealedAt(url: string, header = 'x-msisdn-sealed'): Promise<string> {
  const e = (await viaProxy(lab.gw.proxyAddress, url)).json();
  const v = e.headers[header];
  assert.equal(typeof v, 'string', `${header} was sent`);
  for (const x of receivedValues(e)) assert.ok(!x.includes('7700900123'), 'the number itself never travels');
  return v as string;
}

test('a sealed MSISDN opens with the right key at the right host', async () => {
  const token = await sealedAt('http://shop.sealed.example/buy');
  assert.match(token, /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'JWE compact, empty encrypted key (dir)');
  const r = await openSealed(token, KEY, { host: 'shop.sealed.example', partnerId: 'sealer' });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value, '+447700900123');
  assert.equal(r.attribute, 'msisdn');
  assert.equal(r.host, 'shop.sealed.example');
  assert.equal(r.expiresAt - r.issuedAt, 300, 'default lifetime 5 minutes');
  // Any JOSE implementation opens it: the protected header carries partner, host and time.
  const j = await compactDecrypt(token, Buffer.from(KEY, 'base64url'));
  assert.equal(new TextDecoder().decode(j.plaintext), '+447700900123');
  assert.deepEqual(
    { alg: j.protectedHeader.alg, enc: j.protectedHeader.enc, pid: j.protectedHeader.pid, aud: j.protectedHeader.aud },
    { alg: 'dir', enc: 'A256GCM', pid: 'sealer', aud: 'shop.sealed.example' },
  );
  const imsi = await openSealed(await sealedAt('http://shop.sealed.example/', 'x-imsi-sealed'), KEY, { host: 'shop.sealed.example' });
  assert.ok(imsi.ok);
  assert.equal(imsi.value, '001010000000123');
  assert.equal(imsi.expiresAt - imsi.issuedAt, 60, 'grant lifetime honoured');
});

test('two requests never carry the same sealed value', async () => {
  const a = await sealedAt('http://shop.sealed.example/');
  const b = await sealedAt('http://shop.sealed.example/');
  assert.notEqual(a, b);
});

test("another partner's key cannot open it", async () => {
  const token = await sealedAt('http://shop.sealed.example/');
  const r = await openSealed(token, OTHER_KEY, { host: 'shop.sealed.example' });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, 'decrypt-failed');
  // And the neighbour's own value does not open under this partner's key.
  const theirs = await sealedAt('http://neighbour.example/');
  const r2 = await openSealed(theirs, KEY, { host: 'neighbour.example' });
  assert.equal(!r2.ok && r2.reason, 'decrypt-failed');
});

test('a value sealed for one host is refused at another host of the same partner', async () => {
  const token = await sealedAt('http://shop.sealed.example/');
  const r = await openSealed(token, KEY, { host: 'other.sealed.example' });
  assert.equal(!r.ok && r.reason, 'wrong-host');
  const wrongPartner = await openSealed(token, KEY, { host: 'shop.sealed.example', partnerId: 'neighbour' });
  assert.equal(!wrongPartner.ok && wrongPartner.reason, 'wrong-partner');
});

test('a flipped bit anywhere fails (ciphertext, tag, IV, or the bound header)', async () => {
  const token = await sealedAt('http://shop.sealed.example/');
  const parts = token.split('.');
  for (const i of [0, 2, 3, 4]) {
    const seg = Buffer.from(parts[i]!, 'base64url');
    seg[Math.floor(seg.length / 2)]! ^= 0x01;
    const forged = parts.map((p, j) => (j === i ? seg.toString('base64url') : p)).join('.');
    const r = await openSealed(forged, KEY, { host: 'shop.sealed.example' });
    assert.equal(r.ok, false, `segment ${i}`);
  }
  // Re-binding to another host by editing the header breaks the tag.
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
  const moved = [Buffer.from(JSON.stringify({ ...header, aud: 'other.sealed.example' })).toString('base64url'), ...parts.slice(1)].join('.');
  const r = await openSealed(moved, KEY, { host: 'other.sealed.example' });
  assert.equal(!r.ok && r.reason, 'decrypt-failed');
});

test('a sealed value is refused after its lifetime', async () => {
  const token = await sealedAt('http://shop.sealed.example/');
  const later = await openSealed(token, KEY, { host: 'shop.sealed.example', now: Date.now() + 301_000 });
  assert.equal(!later.ok && later.reason, 'expired');
  const justBefore = await openSealed(token, KEY, { host: 'shop.sealed.example', now: Date.now() + 200_000 });
  assert.ok(justBefore.ok);
});

test('the enrichment metric counts the sealed form', async () => {
  const text = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
  assert.match(text, /hedge_enrichments_total\{partner="sealer",attribute="msisdn",form="sealed"\} \d+/);
});
