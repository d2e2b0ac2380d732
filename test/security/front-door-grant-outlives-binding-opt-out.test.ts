// Threat: a partner keeps learning about a subscriber who opted out of it.
// An opt-out recorded in the subscriber's binding (`optOut`, written through
// the admin API's PUT /bindings, a static subscriber's after a reload) while
// a code or an access token was outstanding did not stop it: every disclosure
// checked the grant again, but against the binding as it was read at
// /authorize — before the opt-out — so the code still got an ID token and the
// token the subscriber's number for up to a code's and a token's lifetime.
// Now each disclosure reads the binding of the address again: when it still
// holds the same number, its optOut counts (invalid_grant at /token, 403
// PERMISSION_DENIED from an API, nothing recorded).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { api, authorise, disclosures, partnerClient, PHONE, PHONE_NUMBER, startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';

describe("an opt-out written to the subscriber's binding after the authorisation", { timeout: 60_000 }, () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab();
  });
  after(async () => lab?.close());

  it('the code gets no ID token, the token no answer; another partner is not affected', async () => {
    const bank = await partnerClient(lab, lab.bank);
    const shop = await partnerClient(lab, lab.shop);
    const exchange = (config: oidc.Configuration, a: Awaited<ReturnType<typeof authorise>>) =>
      oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true });
    const code = await authorise(lab, bank, ['number-verification:verify']);
    const token = await exchange(bank, await authorise(lab, bank, ['number-verification:device-phone-number:read']));
    const shopToken = await exchange(shop, await authorise(lab, shop, ['number-verification:verify']));
    const recorded = await disclosures(lab);

    const binding = await lab.gw.bindings.get(PHONE);
    assert.ok(binding, 'the phone is bound');
    await lab.gw.bindings.set({ ...binding, subscriber: { ...binding.subscriber, optOut: ['bank'] } });
    try {
      await assert.rejects(exchange(bank, code), (e: unknown) => e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant', 'the code gets no ID token');
      const d = await api(lab, 'GET', '/number-verification/v2/device-phone-number', { token: token.access_token });
      assert.equal(d.status, 403);
      assert.equal(d.json.code, 'PERMISSION_DENIED');
      assert.ok(!d.text.includes(PHONE_NUMBER.slice(1)), 'no number in the refusal');
      assert.equal(await disclosures(lab), recorded, 'nothing recorded: nothing disclosed');
      const v = await api(lab, 'POST', '/number-verification/v2/verify', { token: shopToken.access_token, body: { phoneNumber: PHONE_NUMBER } });
      assert.equal(v.status, 200, 'the shop, not opted out of, still gets its answer');
    } finally {
      await lab.gw.bindings.set(binding);
    }
  });

  it('a binding store that cannot answer then: temporarily unavailable, nothing disclosed (fail closed)', async () => {
    const bank = await partnerClient(lab, lab.bank);
    const exchange = (a: Awaited<ReturnType<typeof authorise>>) =>
      oidc.authorizationCodeGrant(bank, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true });
    const code = await authorise(lab, bank, ['number-verification:verify']);
    const token = await exchange(await authorise(lab, bank, ['number-verification:device-phone-number:read']));
    const recorded = await disclosures(lab);
    const store = lab.gw.bindings;
    const lookup = store.lookup.bind(store);
    store.lookup = () => Promise.reject(new Error('store down'));
    try {
      // 503 temporarily_unavailable (openid-client reads an error body only from a 4xx: it reports the status).
      await assert.rejects(exchange(code));
      assert.equal(await lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'token', partner: 'bank', outcome: 'temporarily_unavailable' }), 1);
      const d = await api(lab, 'GET', '/number-verification/v2/device-phone-number', { token: token.access_token });
      assert.equal(d.status, 503);
      assert.equal(d.json.code, 'UNAVAILABLE');
      assert.equal(await disclosures(lab), recorded, 'nothing recorded: nothing disclosed');
    } finally {
      store.lookup = lookup;
    }
  });
});
