// Every scenario of the CAMARA Number Verification 2.1.0 test definitions
// (camaraproject/NumberVerification, release r3.2:
// code/Test_definitions/number-verification-phoneNumberVerify.feature and
// ...-phoneNumberShare.feature), one test each, named by the scenario's tag.
// Tokens come from the real flow (openid-client as the partner); bodies are
// validated against the schemas written from the API definition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fullLogin, api, PHONE_NUMBER, ALL_SCOPES, useFrontDoorLab } from '../helpers/front-door.js';
import { ErrorInfo, NumberVerificationMatchResponse, NumberVerificationShareResponse, XCorrelator } from '../../src/frontdoor/camara/schemas.js';
import type { AccessGrant } from '../../src/frontdoor/grants.js';

const BASE = '/number-verification/v2';
const OTHER_NUMBER = '+447700900124';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('CAMARA Number Verification 2.1.0 test definitions (r3.2)', () => {
  const fd = useFrontDoorLab();
  let correlator = 0;
  const nextCorrelator = () => `b4333c46-49c0-4f62-80d7-${String(++correlator).padStart(12, '0')}`;
  const token = async (scopes: readonly string[] = ALL_SCOPES) => (await fullLogin(fd.lab, fd.bank, scopes)).accessToken;
  /** A grant the flow never issues (authentication other than network-based), put straight into the token store. */
  const otherAuthToken = (scope: string) => {
    const g: AccessGrant = {
      clientId: 'bank',
      partnerId: 'bank',
      scopes: new Set([scope as never]),
      purpose: 'dpv:FraudPreventionAndDetection',
      subscriber: { msisdn: PHONE_NUMBER },
      clientAddress: '127.0.0.1',
      amr: ['pwd', 'otp'],
    };
    return fd.lab.gw.frontDoor!.frontDoor.mintAccessToken(g);
  };
  const expiredToken = () => {
    const g: AccessGrant = {
      clientId: 'bank',
      partnerId: 'bank',
      scopes: new Set(ALL_SCOPES),
      purpose: 'dpv:FraudPreventionAndDetection',
      subscriber: { msisdn: PHONE_NUMBER },
      clientAddress: '127.0.0.1',
      amr: ['nba'],
    };
    return fd.lab.gw.frontDoor!.frontDoor.mintAccessToken(g, Date.now() - 1000);
  };
  const verify = (opts: Parameters<typeof api>[3]) => api(fd.lab, 'POST', `${BASE}/verify`, opts);
  const share = (opts: Parameters<typeof api>[3]) => api(fd.lab, 'GET', `${BASE}/device-phone-number`, opts);
  const assertError = (r: Awaited<ReturnType<typeof api>>, status: number, code: string) => {
    assert.equal(r.status, status, r.text);
    const e = ErrorInfo.parse(r.json);
    assert.equal(e.status, status);
    assert.equal(e.code, code);
    assert.ok(e.message.length > 10, 'a user friendly text');
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  };

  // phoneNumberVerify

  it('@phone_number_verify_01_generic_success_scenario', async () => {
    const x = nextCorrelator();
    assert.ok(XCorrelator.safeParse(x).success);
    const r = await verify({ token: await token(), correlator: x, body: { phoneNumber: PHONE_NUMBER } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('x-correlator'), x);
    NumberVerificationMatchResponse.parse(r.json);
  });

  it('@phone_number_verify.02_validate_phone_number_success_true', async () => {
    const r = await verify({ token: await token(), correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER } });
    assert.equal(r.status, 200);
    assert.equal(NumberVerificationMatchResponse.parse(r.json).devicePhoneNumberVerified, true);
  });

  it('@phone_number_verify.03_validate_phone_number_success_false', async () => {
    const r = await verify({ token: await token(), correlator: nextCorrelator(), body: { phoneNumber: OTHER_NUMBER } });
    assert.equal(r.status, 200);
    assert.equal(NumberVerificationMatchResponse.parse(r.json).devicePhoneNumberVerified, false);
  });

  it('@phone_number_verify.04_validate_hashed_phone_number_success_true', async () => {
    const r = await verify({ token: await token(), correlator: nextCorrelator(), body: { hashedPhoneNumber: sha(PHONE_NUMBER) } });
    assert.equal(r.status, 200);
    assert.equal(NumberVerificationMatchResponse.parse(r.json).devicePhoneNumberVerified, true);
    const upper = await verify({ token: await token(), body: { hashedPhoneNumber: sha(PHONE_NUMBER).toUpperCase() } });
    assert.equal(NumberVerificationMatchResponse.parse(upper.json).devicePhoneNumberVerified, true, 'the schema allows upper-case hex');
  });

  it('@phone_number_verify.05_validate_hashed_phone_number_success_false', async () => {
    const r = await verify({ token: await token(), correlator: nextCorrelator(), body: { hashedPhoneNumber: sha(OTHER_NUMBER) } });
    assert.equal(r.status, 200);
    assert.equal(NumberVerificationMatchResponse.parse(r.json).devicePhoneNumberVerified, false);
  });

  it('@phone_number_verify_400.1_no_request_body', async () => {
    assertError(await verify({ token: await token(), correlator: nextCorrelator() }), 400, 'INVALID_ARGUMENT');
  });

  it('@phone_number_verify_400.2_empty_request_body', async () => {
    assertError(await verify({ token: await token(), correlator: nextCorrelator(), body: {} }), 400, 'INVALID_ARGUMENT');
  });

  it('@phone_number_verify_400.3_invalid_request_non_existing_property', async () => {
    assertError(await verify({ token: await token(), correlator: nextCorrelator(), body: { additional_property: 'foo_value' } }), 400, 'INVALID_ARGUMENT');
  });

  it('@phone_number_verify_400.4_both_phone_number_and_hashed_in_request', async () => {
    assertError(
      await verify({ token: await token(), correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER, hashedPhoneNumber: sha(PHONE_NUMBER) } }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('@phone_number_verify_401.1_no_authorization_header', async () => {
    assertError(await verify({ correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER } }), 401, 'UNAUTHENTICATED');
  });

  it('@phone_number_verify_401.2_expired_access_token', async () => {
    assertError(await verify({ token: expiredToken(), correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER } }), 401, 'UNAUTHENTICATED');
  });

  it('@phone_number_verify_401.3_invalid_access_token', async () => {
    assertError(await verify({ token: 'not-a-token-this-server-issued', correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER } }), 401, 'UNAUTHENTICATED');
  });

  it('@phoneNumberVerify_403.1_invalid_token_permissions', async () => {
    assertError(await verify({ token: await token(['kyc-age-verification:verify']), correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER } }), 403, 'PERMISSION_DENIED');
  });

  it('@phoneNumberVerify_403.2_not_authenticated_using_network_or_sim_based_authentication', async () => {
    assertError(
      await verify({ token: otherAuthToken('number-verification:verify'), correlator: nextCorrelator(), body: { phoneNumber: PHONE_NUMBER } }),
      403,
      'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK',
    );
  });

  it('@phone_number_verify_C02.01_phone_number_not_schema_compliant', async () => {
    // hedge issues only 3-legged tokens (every token identifies one number); the schema check comes first either way.
    for (const bad of ['447700900123', '+0447700900123', '+44 7700 900123', '+1234', 'tel:+447700900123'])
      assertError(await verify({ token: await token(), correlator: nextCorrelator(), body: { phoneNumber: bad } }), 400, 'INVALID_ARGUMENT');
  });

  // phoneNumberShare

  it('@phone_number_share_01_generic_success_scenario', async () => {
    const x = nextCorrelator();
    const r = await share({ token: await token(), correlator: x });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('x-correlator'), x);
    NumberVerificationShareResponse.parse(r.json);
  });

  it('@phone_number_share_02_success_scenario', async () => {
    const r = await share({ token: await token(), correlator: nextCorrelator() });
    assert.equal(r.status, 200);
    assert.equal(NumberVerificationShareResponse.parse(r.json).devicePhoneNumber, PHONE_NUMBER);
  });

  it('@phone_number_verify_401.1_no_authorization_header (phoneNumberShare)', async () => {
    assertError(await share({ correlator: nextCorrelator() }), 401, 'UNAUTHENTICATED');
  });

  it('@phone_number_verify_401.2_expired_access_token (phoneNumberShare)', async () => {
    assertError(await share({ token: expiredToken(), correlator: nextCorrelator() }), 401, 'UNAUTHENTICATED');
  });

  it('@phone_number_verify_401.3_invalid_access_token (phoneNumberShare)', async () => {
    assertError(await share({ token: 'forged.token.value', correlator: nextCorrelator() }), 401, 'UNAUTHENTICATED');
  });

  it('@phoneNumberShare_403.1_invalid_token_permissions', async () => {
    assertError(await share({ token: await token(['number-verification:verify']), correlator: nextCorrelator() }), 403, 'PERMISSION_DENIED');
  });

  it('@phoneNumberShare_403.2_not_authenticated_using_network_or_sim_based_authentication', async () => {
    assertError(
      await share({ token: otherAuthToken('number-verification:device-phone-number:read'), correlator: nextCorrelator() }),
      403,
      'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK',
    );
  });

  // Background: the x-correlator complies with the schema, or the request is refused.
  it('x-correlator not matching the XCorrelator schema is refused (400), a valid one echoed on errors too', async () => {
    assertError(await verify({ token: await token(), correlator: 'has spaces and "quotes"', body: { phoneNumber: PHONE_NUMBER } }), 400, 'INVALID_ARGUMENT');
    const r = await verify({ correlator: 'abc-123', body: { phoneNumber: PHONE_NUMBER } });
    assert.equal(r.headers.get('x-correlator'), 'abc-123');
  });
});
