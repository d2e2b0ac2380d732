// Threat: a client told the wrong thing on a 401, and a DPoP-bound token
// quietly treated as a bearer one. A DPoP-bound token sent with the Bearer
// scheme was refused with `WWW-Authenticate: Bearer error="invalid_token"` —
// an invitation to retry as a bearer token, where RFC 9449 §7.1 wants the
// DPoP challenge (with the accepted `algs`); a request with no credentials
// got error="invalid_token", which RFC 6750 §3.1 says to leave out (it had
// not sent a token to be invalid). Each 401 now carries the challenge for
// what was sent, and still discloses nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { api, authorise, PHONE_NUMBER, useFrontDoorLab } from '../helpers/front-door.js';

describe('401 answers from the CAMARA APIs', () => {
  const fd = useFrontDoorLab();

  const body = { phoneNumber: PHONE_NUMBER };
  const challenge = (r: { headers: Headers }) => r.headers.get('www-authenticate') ?? '';
  const dpopBoundToken = async () => {
    const key = oidc.getDPoPHandle(fd.bank, await oidc.randomDPoPKeyPair('ES256'));
    const a = await authorise(fd.lab, fd.bank, ['number-verification:verify']);
    const t = await oidc.authorizationCodeGrant(fd.bank, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce }, undefined, { DPoP: key });
    assert.equal(t.token_type.toLowerCase(), 'dpop');
    return t.access_token;
  };

  it('no credentials: a challenge without an error code (RFC 6750 §3.1)', async () => {
    const r = await api(fd.lab, 'POST', '/number-verification/v2/verify', { body });
    assert.equal(r.status, 401);
    assert.doesNotMatch(challenge(r), /error=/);
    assert.match(challenge(r), /^Bearer\b/);
    assert.match(challenge(r), /\bDPoP algs="[^"]*ES256[^"]*"/);
  });

  it('an unknown bearer token: Bearer error="invalid_token"', async () => {
    const r = await api(fd.lab, 'POST', '/number-verification/v2/verify', { token: 'no-such-token', body });
    assert.equal(r.status, 401);
    assert.equal(challenge(r), 'Bearer error="invalid_token"');
  });

  it('a DPoP-bound token sent as Bearer: the DPoP challenge with algs (RFC 9449 §7.1), and no answer', async () => {
    const r = await api(fd.lab, 'POST', '/number-verification/v2/verify', { token: await dpopBoundToken(), body });
    assert.equal(r.status, 401);
    assert.match(challenge(r), /^DPoP error="invalid_token", algs="[^"]*ES256[^"]*"$/);
    assert.equal(r.json.devicePhoneNumberVerified, undefined);
  });

  it('a DPoP-bound token sent as DPoP without a proof: the DPoP challenge, invalid_dpop_proof', async () => {
    const r = await api(fd.lab, 'POST', '/number-verification/v2/verify', { headers: { authorization: `DPoP ${await dpopBoundToken()}` }, body });
    assert.equal(r.status, 401);
    assert.match(challenge(r), /^DPoP error="invalid_dpop_proof", algs="/);
  });
});
