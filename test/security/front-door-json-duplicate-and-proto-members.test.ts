// Threat: a CAMARA request body answered although it is not the request the
// definition allows, or answered for another question than the one others
// read in it. The API body was read with JSON.parse and validated with zod:
//  - a repeated member ({"phoneNumber": A, "phoneNumber": B}) was answered
//    for the last one (B: "verified": true), while anything between the
//    partner and the front door that keeps the first (a gateway, a log, a
//    WAF) saw A: two parsers, two questions. I-JSON (RFC 7493 §2.3) forbids
//    duplicate names;
//  - a member named "__proto__" vanished in validation: zod copies members
//    into a fresh object by assignment, where "__proto__" sets the copy's
//    prototype, so {"hashedPhoneNumber": …, "__proto__": {…}} passed as
//    "exactly one member" (the definition: maxProperties 1, a 400) and was
//    answered, with the validated body's prototype no longer Object.prototype.
// Both are now refused (400 INVALID_ARGUMENT, counted, nothing disclosed),
// at any depth, however the name is spelled (escapes decoded); the same
// questions asked plainly are still answered.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { api, disclosures, fullLogin, useFrontDoorLab, PHONE_NUMBER } from '../helpers/front-door.js';

const OTHER = '+447700900999';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('CAMARA request bodies with a "__proto__" member or a repeated member', () => {
  const fd = useFrontDoorLab();
  /** The call, and how many disclosures the audit gained with it (the login's ID token is one, before it). */
  const call = async (path: string, rawBody: string, scope: string) => {
    const { accessToken } = await fullLogin(fd.lab, fd.bank, [scope]);
    const before = await disclosures(fd.lab);
    const r = await api(fd.lab, 'POST', path, { token: accessToken, rawBody });
    return { ...r, disclosed: (await disclosures(fd.lab)) - before };
  };
  const verify = (rawBody: string) => call('/number-verification/v2/verify', rawBody, 'number-verification:verify');
  const age = (rawBody: string) => call('/kyc-age-verification/v0.2/verify', rawBody, 'kyc-age-verification:verify');

  const refused = [
    ['a hashed request with a phoneNumber in a "__proto__" member', `{"hashedPhoneNumber":"${sha(OTHER)}","__proto__":{"phoneNumber":"${PHONE_NUMBER}"}}`],
    ['"__proto__" spelled with escapes', `{"hashedPhoneNumber":"${sha(OTHER)}","\\u005f_proto__":{"phoneNumber":"${PHONE_NUMBER}"}}`],
    ['an extra "__proto__" member beside phoneNumber', `{"phoneNumber":"${PHONE_NUMBER}","__proto__":{}}`],
    ["phoneNumber repeated, the last one the subscriber's", `{"phoneNumber":"${OTHER}","phoneNumber":"${PHONE_NUMBER}"}`],
    ['phoneNumber repeated under another spelling', `{"phoneNumber":"${OTHER}","phone\\u004eumber":"${PHONE_NUMBER}"}`],
  ] as const;
  for (const [what, body] of refused)
    it(`number verification: ${what} → 400 INVALID_ARGUMENT, nothing disclosed`, async () => {
      const r = await verify(body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.code, 'INVALID_ARGUMENT');
      assert.equal(r.json.devicePhoneNumberVerified, undefined);
      assert.equal(r.disclosed, 0);
    });

  it('age verification: a repeated ageThreshold, or a nested "__proto__", → 400 INVALID_ARGUMENT', async () => {
    for (const body of ['{"ageThreshold":99,"ageThreshold":18}', '{"ageThreshold":18,"x":[{"__proto__":{}}]}', '{"ageThreshold":18,"x":{"a":1,"a":2}}']) {
      const r = await age(body);
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.equal(r.json.code, 'INVALID_ARGUMENT');
      assert.equal(r.json.ageCheck, undefined);
      assert.equal(r.disclosed, 0);
    }
  });

  it('the same questions asked plainly are answered; the refusals were counted', async () => {
    assert.deepEqual((await verify(`{"phoneNumber":"${PHONE_NUMBER}"}`)).json, { devicePhoneNumberVerified: true });
    assert.deepEqual((await verify(`{"hashedPhoneNumber":"${sha(OTHER)}"}`)).json, { devicePhoneNumberVerified: false });
    // Same names in different objects, and a name only looking like one inside a string value, are fine.
    assert.equal((await age('{"ageThreshold":18,"a":{"n":1},"b":{"n":2},"c":"\\"ageThreshold\\":1"}')).json.ageCheck, 'true');
    assert.ok((await fd.lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'api', partner: 'bank', outcome: 'INVALID_ARGUMENT' })) >= 8, 'counted');
  });
});
