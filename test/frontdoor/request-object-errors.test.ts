// An error about a signed authorisation request (RFC 9101 request object) as
// the partner's SDK sees it. openid-client puts every parameter, state
// included, in the object and only client_id and request in the URL; the error
// redirect must carry that state back (RFC 6749 §4.1.2.1: state is REQUIRED in
// an error response when the request had one), or the SDK reports a missing
// state — what a forged callback looks like — instead of the front door's
// error (a replayed or expired object, a key the front door does not know).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { phoneGet, PURPOSE, useFrontDoorLab } from '../helpers/front-door.js';

describe('request object errors reach the partner as errors', { timeout: 30_000 }, () => {
  const fd = useFrontDoorLab();

  async function signed(key = fd.lab.bank.privateKey) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithJAR(
      fd.bank,
      {
        redirect_uri: fd.lab.bank.redirectUri,
        scope: `openid number-verification:verify ${PURPOSE}`,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce: oidc.randomNonce(),
      },
      { key, kid: `${fd.lab.bank.clientId}-1` },
    );
    return { url, verifier, state };
  }

  async function partnerSees(s: { url: URL; verifier: string; state: string }) {
    const r = await phoneGet(fd.lab, s.url);
    assert.equal(r.status, 302, r.body);
    const callback = new URL(r.location!);
    const err = await oidc.authorizationCodeGrant(fd.bank, callback, { pkceCodeVerifier: s.verifier, expectedState: s.state }).then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof oidc.AuthorizationResponseError, `openid-client sees the front door's error, not: ${(err as Error).message}`);
    return { error: err.error, state: callback.searchParams.get('state') };
  }

  it('replayed (the phone reloads the page): invalid_request_object with the signed state', async () => {
    const s = await signed();
    assert.ok(new URL((await phoneGet(fd.lab, s.url)).location!).searchParams.get('code') !== null, 'the first use gets a code');
    const seen = await partnerSees(s);
    assert.equal(seen.error, 'invalid_request_object');
    assert.equal(seen.state, s.state);
  });

  it('signed with a key the front door does not know: invalid_request_object with its state', async () => {
    const s = await signed(fd.lab.shop.privateKey);
    const seen = await partnerSees(s);
    assert.equal(seen.error, 'invalid_request_object');
    assert.equal(seen.state, s.state);
  });
});
