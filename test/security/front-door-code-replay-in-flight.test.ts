// Threat: a stolen authorisation code replayed while the partner's own
// exchange is still being answered. RFC 6749 §4.1.2 (and docs/front-door.md)
// say a code used twice revokes the token issued for it. The exchange took
// the code from the pending codes at once but recorded it as used only after
// the ID token was signed and the disclosure committed to the audit (both
// awaited): a replay in that gap found the code in neither place, was
// refused, and revoked nothing — the token of the first exchange stayed good.
//
// Now the code is marked used in the same synchronous step that takes it; a
// replay at any moment marks it replayed, and the first exchange, when it
// resumes, issues no token (or the token it issued is revoked). The audit's
// batch delay is raised to make the gap wide enough to land in every time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { api, authorise, partnerClient, PHONE_NUMBER, startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';

describe('a code replayed while its first exchange is in flight', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab({ edit: (y) => y.replace('  batchDelayMs: 1\n', '  batchDelayMs: 300\n') });
  });
  after(async () => lab?.close());

  const exchange = async (code: string, verifier: string) => {
    const now = Math.floor(Date.now() / 1000);
    const clientAssertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'bank-1' })
      .setIssuer('bank')
      .setSubject('bank')
      .setAudience(lab.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(lab.bank.privateKey);
    return api(lab, 'POST', '/token', {
      rawBody: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: lab.bank.redirectUri,
        code_verifier: verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  };
  const verify = (token: string) => api(lab, 'POST', '/number-verification/v2/verify', { token, body: { phoneNumber: PHONE_NUMBER } });

  for (const when of ['after', 'during'] as const)
    it(`leaves no usable token (replay ${when} the first exchange)`, async () => {
      const bank = await partnerClient(lab, lab.bank);
      const a = await authorise(lab, bank, ['number-verification:verify']);
      const code = a.callback.searchParams.get('code')!;
      let first, replay;
      if (when === 'after') {
        first = await exchange(code, a.verifier);
        assert.equal(first.status, 200, first.text);
        replay = await exchange(code, a.verifier);
      } else {
        const pending = exchange(code, a.verifier);
        await sleep(120); // the first is now waiting for its audit commit (300 ms batch delay)
        replay = await exchange(code, a.verifier);
        first = await pending;
      }
      assert.equal(replay.status, 400);
      assert.equal(replay.json.error, 'invalid_grant');
      if (first.status === 200) {
        const v = await verify(first.json.access_token as string);
        assert.equal(v.status, 401, `the first exchange's token is revoked: ${v.text}`);
      } else assert.equal(first.json.error, 'invalid_grant', 'or the first exchange issues no token at all');
    });
});
