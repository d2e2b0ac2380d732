// Threat: a signed authorisation request (RFC 9101 request object) used more
// than once. Its jti is single-use, remembered until the object expires; but
// the object is still accepted for 5 s after its `exp` (clock skew between
// partner and gateway), while the jti was remembered only until `exp` itself.
// Presented in those 5 s, the first use got a code and was forgotten at once,
// so whoever saw the URL (it travels through the phone's browser) could
// replay it as often as they liked, from their own phone, each time for a new
// code on the partner's redirect URI with the partner's state. Now the jti is
// remembered until the object can no longer be accepted (exp + skew).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { SignJWT } from 'jose';
import { startFrontDoorLab, phoneGet, PURPOSE, type FrontDoorLab } from '../helpers/front-door.js';

describe('a request object replayed in the clock-skew window after its exp', { timeout: 30_000 }, () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab();
  });
  after(async () => lab?.close());

  it('gets a code once, then invalid_request_object', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Expired a second ago: still inside the 5 s the front door allows for clock skew.
    const request = await new SignJWT({
      iss: lab.bank.clientId,
      aud: lab.issuer,
      client_id: lab.bank.clientId,
      response_type: 'code',
      redirect_uri: lab.bank.redirectUri,
      scope: `openid number-verification:verify ${PURPOSE}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'signed',
      jti: randomUUID(),
      iat: now - 60,
      exp: now - 1,
    })
      .setProtectedHeader({ alg: 'ES256', kid: `${lab.bank.clientId}-1`, typ: 'oauth-authz-req+jwt' })
      .sign(lab.bank.privateKey);
    const url = `${lab.issuer}/authorize?${new URLSearchParams({ client_id: lab.bank.clientId, request })}`;
    const outcome = async () => {
      const r = await phoneGet(lab, url);
      assert.equal(r.status, 302, r.body);
      const q = new URL(r.location!).searchParams;
      return { code: q.get('code'), error: q.get('error') };
    };
    const first = await outcome();
    assert.ok(first.code !== null, `the first use is honoured (${first.error})`);
    const second = await outcome();
    assert.equal(second.code, null, 'a replay gets no second code');
    assert.equal(second.error, 'invalid_request_object');
  });
});
