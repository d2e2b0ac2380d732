// Every scenario of the CAMARA KYC Age Verification 0.2.1 test definitions
// (camaraproject/KnowYourCustomerAgeVerification, release r1.3:
// code/Test_definitions/kyc-age-verification.feature), one test each, named
// by the scenario's tag; Scenario Outlines run every Examples row. Bodies are
// validated against the schemas written from the API definition.
//
// hedge issues only 3-legged tokens (the network identifies the subscriber),
// so the scenarios whose precondition is "a token which does not identify a
// single phone number" (2-legged) cannot arise: their tests show what hedge
// does instead — no client_credentials grant at all, and a phone number in the
// body is refused rather than looked up (no lookup oracle for arbitrary numbers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fullLogin, api, ADULT_ONLY, PHONE_NUMBER, type FrontDoorLab, useFrontDoorLab } from '../helpers/front-door.js';
import { ErrorInfo, VerifyAgeResponseBody } from '../../src/frontdoor/camara/schemas.js';
import type { AccessGrant } from '../../src/frontdoor/grants.js';
import { ageCheck, ageOn } from '../../src/frontdoor/camara/age-verification.js';

const PATH = '/kyc-age-verification/v0.2/verify';
const SCOPE = ['kyc-age-verification:verify'];
/** Examples of the three Scenario Outlines: an optional request property with a schema-compliant value. */
const EXAMPLES: [string, unknown][] = [
  ['idDocument', '66666666q'],
  ['name', 'Federica Sanchez Arjona'],
  ['givenName', 'Federica'],
  ['familyName', 'Sanchez Arjona'],
  ['middleNames', 'Sanchez'],
  ['familyNameAtBirth', 'YYYY'],
  ['birthdate', '1978-08-22'],
  ['email', 'federicaSanchez.Arjona@example.com'],
];

describe('CAMARA KYC Age Verification 0.2.1 test definitions (r1.3)', () => {
  const fd = useFrontDoorLab();
  // The lab subscriber on 127.0.0.1 was born on 1990-04-01.
  const age = ageOn('1990-04-01', new Date());
  const token = async (from?: string) => (await fullLogin(fd.lab, fd.bank, SCOPE, from)).accessToken;
  const call = (opts: Parameters<typeof api>[3]) => api(fd.lab, 'POST', PATH, opts);
  const expiredToken = () => {
    const g: AccessGrant = {
      clientId: 'bank',
      partnerId: 'bank',
      scopes: new Set(['kyc-age-verification:verify']),
      purpose: 'dpv:FraudPreventionAndDetection',
      subscriber: { msisdn: PHONE_NUMBER, birthDate: '1990-04-01' },
      clientAddress: '127.0.0.1',
      amr: ['nba'],
    };
    return fd.lab.gw.frontDoor!.frontDoor.mintAccessToken(g, Date.now() - 1000);
  };
  const assertError = (r: Awaited<ReturnType<typeof api>>, status: number, codes: string[]) => {
    assert.equal(r.status, status, r.text);
    const e = ErrorInfo.parse(r.json);
    assert.equal(e.status, status);
    assert.ok(codes.includes(e.code), `${e.code} is one of ${codes.join(', ')}`);
    assert.ok(e.message.length > 10, 'a user friendly text');
  };
  const success = async (r: Awaited<ReturnType<typeof api>>, x: string, expected?: string) => {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('x-correlator'), x);
    const b = VerifyAgeResponseBody.parse(r.json);
    if (expected !== undefined) assert.equal(b.ageCheck, expected);
    if (b.verifiedStatus !== undefined) assert.ok([true, false].includes(b.verifiedStatus));
    return b;
  };

  it('@verifyAge_1_verify_age_true (every Examples row)', async () => {
    for (const [prop, value] of EXAMPLES) {
      const x = randomUUID();
      await success(await call({ token: await token(), correlator: x, body: { ageThreshold: 18, [prop]: value } }), x, 'true');
    }
    const x = randomUUID();
    await success(await call({ token: await token(), correlator: x, body: { ageThreshold: age } }), x, 'true');
  });

  it('@verifyAge_2_verify_age_false (every Examples row)', async () => {
    for (const [prop, value] of EXAMPLES) {
      const x = randomUUID();
      await success(await call({ token: await token(), correlator: x, body: { ageThreshold: age + 1, [prop]: value } }), x, 'false');
    }
  });

  it('@verifyAge_3_verify_age_not_available (every Examples row)', async () => {
    // The subscriber on ADULT_ONLY has only `ageVerified: true`: thresholds above 18 cannot be answered — never a guess.
    for (const [prop, value] of EXAMPLES) {
      const x = randomUUID();
      await success(await call({ token: await token(ADULT_ONLY), correlator: x, body: { ageThreshold: 21, [prop]: value } }), x, 'not_available');
    }
    const x = randomUUID();
    await success(await call({ token: await token(ADULT_ONLY), correlator: x, body: { ageThreshold: 18 } }), x, 'true');
  });

  it('@verifyAge_4_verify_age_contentLock', async () => {
    const x = randomUUID();
    const b = await success(await call({ token: await token(), correlator: x, body: { ageThreshold: 18, includeContentLock: true } }), x);
    assert.ok(['true', 'false', 'not_available'].includes(b.ageCheck));
    assert.ok(b.contentLock !== undefined && ['true', 'false', 'not_available'].includes(b.contentLock));
  });

  it('@verifyAge_5_verify_age_parentalControl', async () => {
    const x = randomUUID();
    const b = await success(await call({ token: await token(), correlator: x, body: { ageThreshold: 18, includeParentalControl: true } }), x);
    assert.ok(['true', 'false', 'not_available'].includes(b.ageCheck));
    assert.ok(b.parentalControl !== undefined && ['true', 'false', 'not_available'].includes(b.parentalControl));
  });

  it('@verifyAge_400.1_no_request_body', async () => {
    assertError(await call({ token: await token() }), 400, ['INVALID_ARGUMENT']);
  });

  it('@verifyAge_400.2_empty_request_body', async () => {
    assertError(await call({ token: await token(), body: {} }), 400, ['INVALID_ARGUMENT']);
  });

  it('@verifyAge_400.3_out_of_range', async () => {
    for (const t of [121, -1, 1000]) assertError(await call({ token: await token(), body: { ageThreshold: t } }), 400, ['OUT_OF_RANGE']);
  });

  it('@verifyAge_400.4_invalid_argument', async () => {
    for (const body of [
      { ageThreshold: 'eighteen' },
      { ageThreshold: 18.5 },
      { ageThreshold: 18, email: 'not an email' },
      { ageThreshold: 18, birthdate: '22/08/1978' },
      { ageThreshold: 18, includeContentLock: 'yes' },
    ])
      assertError(await call({ token: await token(), body }), 400, ['INVALID_ARGUMENT']);
    assertError(await call({ token: await token(), rawBody: '{"ageThreshold": 18' }), 400, ['INVALID_ARGUMENT']);
  });

  it('@verifyAge_401.1_expired_access_token', async () => {
    assertError(await call({ token: expiredToken(), body: { ageThreshold: 18 } }), 401, ['UNAUTHENTICATED', 'AUTHENTICATION_REQUIRED']);
  });

  it('@verifyAge_401.2_invalid_access_token', async () => {
    assertError(await call({ token: 'this-token-was-never-issued', body: { ageThreshold: 18 } }), 401, ['UNAUTHENTICATED']);
    const used = await token();
    await call({ token: used, body: { ageThreshold: 18 } });
    assertError(await call({ token: used, body: { ageThreshold: 18 } }), 401, ['UNAUTHENTICATED']);
  });

  it('@verifyAge_401.3_no_header_authorization', async () => {
    assertError(await call({ body: { ageThreshold: 18 } }), 401, ['UNAUTHENTICATED']);
  });

  it('@verifyAge_C02.01_phone_number_not_schema_compliant', async () => {
    for (const bad of ['447700900123', '+44 7700 900123', 'tel:+447700900123'])
      assertError(await call({ token: await token(), body: { ageThreshold: 18, phoneNumber: bad } }), 400, ['INVALID_ARGUMENT']);
  });

  it('@verifyAge_C02.02_phone_number_not_found (2-legged precondition: hedge has no token without a subscriber)', async () => {
    const r = await clientCredentials(fd.lab);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'unsupported_grant_type');
    // With the only token hedge issues, a number in the body is refused, never looked up: no 404 oracle for arbitrary numbers.
    assertError(await call({ token: await token(), body: { ageThreshold: 18, phoneNumber: '+447700900999' } }), 422, ['UNNECESSARY_IDENTIFIER']);
  });

  it('@verifyAge_C02.03_unnecessary_phone_number', async () => {
    assertError(await call({ token: await token(), body: { ageThreshold: 18, phoneNumber: PHONE_NUMBER } }), 422, ['UNNECESSARY_IDENTIFIER']);
  });

  it('@verifyAge_C02.04_missing_phone_number (2-legged precondition: every hedge token identifies the subscriber)', async () => {
    const r = await clientCredentials(fd.lab);
    assert.equal(r.json.error, 'unsupported_grant_type');
    const x = randomUUID();
    await success(await call({ token: await token(), correlator: x, body: { ageThreshold: 18 } }), x, 'true');
  });

  it('@verifyAge_C02.05_phone_number_not_supported (hedge answers every bound subscriber; without age data: not_available)', async () => {
    const subscriber = { msisdn: '+447700900155' };
    assert.equal(ageCheck(subscriber, 18), 'not_available');
    const x = randomUUID();
    await success(await call({ token: await token(ADULT_ONLY), correlator: x, body: { ageThreshold: 65 } }), x, 'not_available');
  });
});

/** A client_credentials request signed like a real one: hedge refuses the grant type. */
async function clientCredentials(lab: FrontDoorLab) {
  const { SignJWT } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'bank-1' })
    .setIssuer('bank')
    .setSubject('bank')
    .setAudience(lab.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(lab.bank.privateKey);
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    scope: 'kyc-age-verification:verify',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  return api(lab, 'POST', '/token', { rawBody: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}
