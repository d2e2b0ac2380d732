// Threat: one partner locks every other partner out of /token. The memory of
// client assertions already used (their jti, single-use) was one store for all
// partners, bounded by frontDoor.limits.maxPending; an assertion was
// remembered as soon as its signature verified, before the code was looked
// at, for its whole lifetime (up to 300 s + 30). A partner sending maxPending
// token requests with fresh, valid assertions and a bogus code filled it; then
// every other partner's token request was refused "client assertion replayed"
// (invalid_client) for five minutes. And with the store full, each refused
// addition walked the whole store (2 ms of CPU per refusal at 200,000).
//
// Now an assertion is remembered only once its request has been judged good
// (code, redirect URI, PKCE), each client has its own share of the store
// (maxPendingPerClient), and a full store refuses without walking it (the
// walk for out-of-order expiries runs at most once per sweep interval).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { api, fullLogin, partnerClient, PHONE_NUMBER, startFrontDoorLab, type FrontDoorLab, type PartnerKit } from '../helpers/front-door.js';
import { SingleUseStore } from '../../src/frontdoor/single-use-store.js';

async function assertion(lab: FrontDoorLab, p: PartnerKit, expIn: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: `${p.clientId}-1` })
    .setIssuer(p.clientId)
    .setSubject(p.clientId)
    .setAudience(lab.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + expIn)
    .sign(p.privateKey);
}

describe('a partner flooding /token with valid assertions', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab({ frontDoorExtra: '  limits: { maxPending: 100 }' });
  });
  after(async () => lab?.close());

  it('does not lock the other partners out (nor itself, with a bogus code)', async () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 120; i++) {
      const r = await api(lab, 'POST', '/token', {
        rawBody: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'nonsense',
          redirect_uri: lab.shop.redirectUri,
          code_verifier: 'x'.repeat(43),
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(lab, lab.shop, 300),
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const k = `${r.status} ${String(r.json.error)}`;
      outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    }
    for (const partner of [lab.bank, lab.shop]) {
      // openid-client: a fresh assertion; the exchange throws on invalid_client.
      const login = await fullLogin(lab, await partnerClient(lab, partner), ['number-verification:verify']);
      const v = await api(lab, 'POST', '/number-verification/v2/verify', { token: login.accessToken, body: { phoneNumber: PHONE_NUMBER } });
      assert.equal(v.status, 200, `${partner.clientId} still gets a token and an answer`);
    }
    assert.deepEqual([...outcomes], [['400 invalid_grant', 120]], 'every bogus code is refused as such, never as a replay or for want of room');
  });
});

describe('a full single-use store', () => {
  it('refuses without walking every entry each time, and takes entries again once they expire', () => {
    const size = 50_000;
    const store = new SingleUseStore<string>(size, [{ name: 'client', max: size, keyOf: (c) => c }], 60_000);
    const t0 = 1_000_000;
    // Out of expiry order (as client assertions are: each partner picks its exp): the head is long-lived.
    for (let i = 0; i < size; i++) assert.ok(store.put(`k${i}`, 'shop', t0 + (i < 100 ? 300_000 : 60_000), t0).ok);
    let steps = 0;
    const entries = (store as unknown as { entries: Map<string, unknown> }).entries;
    const iterate = entries[Symbol.iterator].bind(entries);
    Object.defineProperty(entries, Symbol.iterator, {
      value: () => {
        const it = iterate();
        return {
          next: () => (steps++, it.next()),
          [Symbol.iterator]() {
            return this;
          },
        };
      },
    });
    for (let i = 0; i < 500; i++) assert.deepEqual(store.put(`x${i}`, 'bank', t0 + 90_000, t0 + 1), { ok: false, why: 'full' });
    assert.ok(steps <= size + 500 * 70, `500 refusals walked ${steps} entries (a walk of the whole store each: ${500 * size})`);
    // Later, everything but the long-lived head has expired: room again, found by the (rate-limited) full walk.
    assert.deepEqual(store.put('late', 'bank', t0 + 200_000, t0 + 120_000), { ok: true });
    assert.equal(store.size, 101);
    assert.equal(store.held('client', 'shop'), 100, 'per-owner counts follow the sweep');
    store.close();
  });
});
