// Threat: a partner keeps learning about a subscriber after it may no longer.
// The front door checked the subscriber's consent, the binding's optOut and
// the partner's `until:` only at /authorize; a code or an access token given a
// moment before a withdrawal (or before the agreement ended) still got an ID
// token and the subscriber's number for up to a code's and a token's lifetime
// (60 + 300 s by default), although the transparency page promises that a
// withdrawal is applied at once and the config that after `until:` the
// partner receives nothing. Now every disclosure checks them again when it is
// made (src/frontdoor/in-force.ts and the consent stage, in disclose.ts):
// /token answers invalid_grant, an API call 403 PERMISSION_DENIED, and the
// audit gains nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { api, authorise, disclosures, partnerClient, PHONE_NUMBER, startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';

async function exchange(config: oidc.Configuration, a: Awaited<ReturnType<typeof authorise>>) {
  return oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true });
}

function refusedGrant(e: unknown): boolean {
  return e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant';
}

describe('consent withdrawn after the authorisation', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab();
  });
  after(async () => {
    await lab.close();
  });

  it('a code issued before the withdrawal gets no ID token, a token issued before it no answer', async () => {
    const bank = await partnerClient(lab, lab.bank);
    const shop = await partnerClient(lab, lab.shop);
    const code = await authorise(lab, bank, ['number-verification:device-phone-number:read']);
    const tokenBefore = await exchange(bank, await authorise(lab, bank, ['number-verification:device-phone-number:read']));
    const shopToken = await exchange(shop, await authorise(lab, shop, ['number-verification:verify']));
    const recorded = await disclosures(lab);

    await lab.gw.consents.set(PHONE_NUMBER, 'bank', false);
    try {
      await assert.rejects(exchange(bank, code), refusedGrant, 'the code of a withdrawn partner gets no ID token');
      const d = await api(lab, 'GET', '/number-verification/v2/device-phone-number', { token: tokenBefore.access_token });
      assert.equal(d.status, 403);
      assert.equal(d.json.code, 'PERMISSION_DENIED');
      assert.ok(!d.text.includes(PHONE_NUMBER.slice(1)), 'no number in the refusal');
      assert.equal(await disclosures(lab), recorded, 'nothing recorded: nothing disclosed');
      // Another partner the subscriber still shares with is not affected.
      const v = await api(lab, 'POST', '/number-verification/v2/verify', { token: shopToken.access_token, body: { phoneNumber: PHONE_NUMBER } });
      assert.equal(v.status, 200);
      assert.equal(v.json.devicePhoneNumberVerified, true);
    } finally {
      await lab.gw.consents.set(PHONE_NUMBER, 'bank', true);
    }
  });
});

describe("the partner's agreement ends (until:) between authorisation and answer", () => {
  let lab: FrontDoorLab;
  let until: number;
  before(async () => {
    until = Date.now() + 4000;
    lab = await startFrontDoorLab({ edit: (y) => y.replace('    name: Lab Bank\n', `    name: Lab Bank\n    until: "${new Date(until).toISOString()}"\n`) });
  });
  after(async () => {
    await lab.close();
  });

  it('neither the code nor the token issued before it yields anything after it', async () => {
    const bank = await partnerClient(lab, lab.bank);
    const code = await authorise(lab, bank, ['number-verification:verify']);
    const tokenBefore = await exchange(bank, await authorise(lab, bank, ['number-verification:device-phone-number:read']));
    const recorded = await disclosures(lab);
    await new Promise((r) => setTimeout(r, until - Date.now() + 200));

    await assert.rejects(exchange(bank, code), refusedGrant);
    const d = await api(lab, 'GET', '/number-verification/v2/device-phone-number', { token: tokenBefore.access_token });
    assert.equal(d.status, 403);
    assert.equal(d.json.code, 'PERMISSION_DENIED');
    assert.equal(await disclosures(lab), recorded, 'nothing recorded: nothing disclosed');
  });
});
