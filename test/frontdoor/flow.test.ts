// The whole flow as a partner runs it, with openid-client (a relying-party
// library nobody here wrote): discovery, PKCE S256, private_key_jwt, code
// exchange, ID token validation (signature checked against the JWKS), then
// the CAMARA calls. Every answer is in the audit, which verifies.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as oidc from 'openid-client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFrontDoorLab, partnerClient, fullLogin, api, PHONE_NUMBER, ALL_SCOPES, type FrontDoorLab } from '../helpers/front-door.js';
import { hedgeCli, writeConfig } from '../helpers/audit.js';
import { NumberVerificationMatchResponse, NumberVerificationShareResponse, VerifyAgeResponseBody } from '../../src/frontdoor/camara/schemas.js';

describe('front door: the whole flow through openid-client', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab();
  });
  after(async () => lab?.close());

  it('discovery advertises code flow, PKCE S256, private_key_jwt and RS256 and EdDSA ID tokens', async () => {
    const config = await partnerClient(lab, lab.bank);
    const m = config.serverMetadata();
    assert.equal(m.issuer, lab.issuer);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(m.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(m.id_token_signing_alg_values_supported, ['RS256', 'EdDSA']);
    assert.ok(!(m.grant_types_supported ?? []).includes('refresh_token'));
    // Signed authorisation requests (RFC 9101), as the CAMARA profile requires, by value only.
    assert.equal(m.request_parameter_supported, true);
    assert.ok(m.request_object_signing_alg_values_supported?.includes('ES256'));
    assert.ok(!m.request_object_signing_alg_values_supported?.includes('none'));
    assert.equal(m.request_uri_parameter_supported, false);
  });

  it('authorise → code → token → verify, device-phone-number and age: each answer right, each audited', async () => {
    const config = await partnerClient(lab, lab.bank);
    const login = await fullLogin(lab, config, ALL_SCOPES);
    // The ID token: pairwise sub (the partner's keyed pseudonym, never the number or its plain hash), amr network-based.
    const c = login.claims;
    assert.equal(c.iss, lab.issuer);
    assert.equal(c.aud, lab.bank.clientId);
    assert.equal(c.nonce, login.nonce);
    assert.deepEqual(c.amr, ['nba']);
    const key = lab.gw.policy().material!.pseudonymKeys.get('bank')!;
    assert.equal(c.sub, createHmac('sha256', key).update(PHONE_NUMBER).digest('base64url'));
    assert.ok(!login.idToken.includes(PHONE_NUMBER.slice(1)));
    assert.notEqual(c.sub, createHash('sha256').update(PHONE_NUMBER).digest('hex'));
    assert.ok(login.expiresIn !== undefined && login.expiresIn <= 300);

    // Access tokens are single-use: one login per call.
    const verify = await oidc.fetchProtectedResource(
      config,
      login.accessToken,
      new URL(`${lab.issuer}/number-verification/v2/verify`),
      'POST',
      JSON.stringify({ phoneNumber: PHONE_NUMBER }),
      new Headers({ 'content-type': 'application/json' }),
    );
    assert.equal(verify.status, 200);
    assert.deepEqual(NumberVerificationMatchResponse.parse(await verify.json()), { devicePhoneNumberVerified: true });

    const l2 = await fullLogin(lab, config, ALL_SCOPES);
    const share = await oidc.fetchProtectedResource(config, l2.accessToken, new URL(`${lab.issuer}/number-verification/v2/device-phone-number`), 'GET');
    assert.equal(share.status, 200);
    assert.deepEqual(NumberVerificationShareResponse.parse(await share.json()), { devicePhoneNumber: PHONE_NUMBER });

    const l3 = await fullLogin(lab, config, ALL_SCOPES);
    const age = await oidc.fetchProtectedResource(
      config,
      l3.accessToken,
      new URL(`${lab.issuer}/kyc-age-verification/v0.2/verify`),
      'POST',
      JSON.stringify({ ageThreshold: 18 }),
      new Headers({ 'content-type': 'application/json' }),
    );
    assert.equal(age.status, 200);
    assert.deepEqual(VerifyAgeResponseBody.parse(await age.json()), { ageCheck: 'true' });

    // The token was used: a second call with it is refused.
    const again = await api(lab, 'POST', '/number-verification/v2/verify', { token: login.accessToken, body: { phoneNumber: PHONE_NUMBER } });
    assert.equal(again.status, 401);
    assert.equal(again.json.code, 'UNAUTHENTICATED');

    // Audit: three logins (ID token sub) + three answers, one record each, by partner, attribute and form.
    const store = await lab.audit.open(lab.auditLoc);
    const recs = (await store.scan({ from: 0, to: Date.now() + 1000, type: 'disclosure' }, undefined, 100)).filter((r) => r.partner === 'bank');
    await store.close();
    const items = recs.map((r) => (JSON.parse(r.detail) as { items: { attribute: string; form: string; header: string }[] }).items[0]!);
    assert.deepEqual(items.map((i) => `${i.header} ${i.attribute}/${i.form}`).sort(), [
      'kyc-age-verification:verify age-verified/claim',
      'number-verification:device-phone-number:read msisdn/raw',
      'number-verification:verify msisdn/match',
      'openid:sub msisdn/pseudonym',
      'openid:sub msisdn/pseudonym',
      'openid:sub msisdn/pseudonym',
    ]);
    for (const r of recs) assert.ok(!r.detail.includes(PHONE_NUMBER.slice(1)) && r.subjectRef !== null);

    // audit verify passes; the breach report lists the partner and the subscriber.
    const cfg = writeConfig(
      lab.pki.dir,
      'report.yaml',
      `operator: { name: Lab, country: GB }\ncanary: { enabled: false }\n${lab.audit.yaml(lab.auditLoc).replace('\ncanary:\n  enabled: false\n', '')}`,
    );
    const v = await hedgeCli(['audit', 'verify', '-c', cfg]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const rep = await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    const report = JSON.parse(rep.stdout) as { subscribers: { msisdn: string }[]; sites: { partner: string }[] };
    assert.ok(report.subscribers.some((s) => s.msisdn === PHONE_NUMBER));
    assert.ok(report.sites.some((s) => s.partner === 'bank'));

    // --outside-policy: against a policy where the bank may no longer read the number, only that answer is listed.
    const narrower = readFileSync(join(lab.pki.dir, 'hedge.yaml'), 'utf8').replace('"number-verification:device-phone-number:read",', '');
    const narrowFile = writeConfig(lab.pki.dir, 'narrower.yaml', narrower);
    const out = await hedgeCli(['audit', 'report', '-c', cfg, '--outside-policy', narrowFile, '--format', 'json']);
    assert.equal(out.code, 0, out.stderr);
    const o = JSON.parse(out.stdout) as { totals: { disclosures: number }; sites: { partner: string; attributes: string[] }[] };
    assert.equal(o.totals.disclosures, 1);
    assert.deepEqual(
      o.sites.map((s) => [s.partner, s.attributes]),
      [['bank', ['msisdn/raw']]],
    );
  });
});
