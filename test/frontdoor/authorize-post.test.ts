// POST /authorize (OIDC Core §3.1.2.1: the authorisation endpoint MUST take
// GET and POST): the parameters as an application/x-www-form-urlencoded body,
// judged exactly like a GET's. What a POST may not do: another content type
// (415), parameters in both the query string and the body (400: ambiguous,
// refused rather than merged), a body over maxBodyBytes (413). Those are
// answered here as JSON, never redirected.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { phonePost, PURPOSE, UNBOUND, useFrontDoorLab } from '../helpers/front-door.js';

describe('POST /authorize', () => {
  const fd = useFrontDoorLab({ frontDoorExtra: '  limits: { maxBodyBytes: 4096 }' });

  /** The request openid-client builds, as the form the phone posts (and its PKCE verifier, state and nonce). */
  async function request(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(fd.bank, {
      redirect_uri: fd.lab.bank.redirectUri,
      scope: `openid number-verification:verify ${PURPOSE}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    const form = new URLSearchParams(url.searchParams);
    url.search = '';
    return { endpoint: url, form, verifier, state, nonce };
  }

  const jsonError = (r: { status: number; location: string | undefined; headers: Record<string, unknown>; body: string }) => {
    assert.equal(r.location, undefined, 'never redirected');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    return (JSON.parse(r.body) as { error: string; error_description: string }).error;
  };

  it('a form body is an authorisation request: code, then openid-client completes the flow (ID token, nonce, iss)', async () => {
    const r = await request();
    const reply = await phonePost(fd.lab, r.endpoint, r.form);
    assert.equal(reply.status, 302, reply.body);
    const callback = new URL(reply.location!);
    assert.equal(callback.origin + callback.pathname, fd.lab.bank.redirectUri);
    const t = await oidc.authorizationCodeGrant(fd.bank, callback, { pkceCodeVerifier: r.verifier, expectedState: r.state, expectedNonce: r.nonce, idTokenExpected: true });
    assert.equal(t.claims()?.nonce, r.nonce);
    assert.deepEqual(t.claims()?.amr, ['nba']);
    // A charset parameter on the media type is fine.
    const again = await request();
    assert.equal((await phonePost(fd.lab, again.endpoint, again.form, undefined, 'application/x-www-form-urlencoded; charset=UTF-8')).status, 302);
  });

  it('judged like a GET: an unbound phone, a scope not granted, no PKCE go to the redirect URI with the error and state', async () => {
    const unbound = await request();
    const a = new URL((await phonePost(fd.lab, unbound.endpoint, unbound.form, UNBOUND)).location!);
    assert.equal(a.searchParams.get('error'), 'login_required');
    assert.equal(a.searchParams.get('state'), unbound.state);
    const foreign = await request({ scope: 'openid number-verification:verify dpv:Marketing' });
    assert.equal(new URL((await phonePost(fd.lab, foreign.endpoint, foreign.form)).location!).searchParams.get('error'), 'invalid_scope');
    const plain = await request({ code_challenge_method: 'plain' });
    assert.equal(new URL((await phonePost(fd.lab, plain.endpoint, plain.form)).location!).searchParams.get('error'), 'invalid_request');
    // A repeated parameter in the body is as ambiguous as in a query string.
    const twice = await request();
    twice.form.append('scope', 'openid');
    const r = await phonePost(fd.lab, twice.endpoint, twice.form);
    assert.equal(r.status, 400);
    assert.equal(jsonError(r), 'invalid_request');
  });

  it('another content type: 415 invalid_request, not redirected', async () => {
    const r = await request();
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const reply = await phonePost(fd.lab, r.endpoint, r.form, undefined, type);
      assert.equal(reply.status, 415, type);
      assert.equal(jsonError(reply), 'invalid_request');
    }
    const json = await phonePost(fd.lab, r.endpoint, JSON.stringify(Object.fromEntries(r.form)), undefined, 'application/json');
    assert.equal(json.status, 415);
    assert.match((JSON.parse(json.body) as { error_description: string }).error_description, /application\/x-www-form-urlencoded/);
  });

  it('parameters in both the query string and the body: 400 invalid_request (ambiguous), whichever parameters they are', async () => {
    const r = await request();
    // The attacker's redirect URI in the query, the partner's form in the body.
    const withQuery = new URL(r.endpoint);
    withQuery.searchParams.set('redirect_uri', 'https://attacker.example/callback');
    const body = new URLSearchParams(r.form);
    body.delete('redirect_uri');
    for (const [endpoint, form] of [
      [withQuery, body],
      [new URL(`${r.endpoint.href}?state=other`), r.form],
    ] as const) {
      const reply = await phonePost(fd.lab, endpoint, form);
      assert.equal(reply.status, 400);
      assert.equal(jsonError(reply), 'invalid_request');
      assert.match(reply.body, /query string and the body/);
    }
  });

  it('a body over maxBodyBytes: 413, not redirected; the front door keeps serving', async () => {
    const r = await request({ padding: 'x'.repeat(5000) });
    const reply = await phonePost(fd.lab, r.endpoint, r.form);
    assert.equal(reply.status, 413);
    assert.equal(jsonError(reply), 'invalid_request');
    assert.ok((await fd.lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'authorize', partner: 'unknown', outcome: 'invalid_request' })) >= 1, 'counted');
    const ok = await request();
    assert.equal((await phonePost(fd.lab, ok.endpoint, ok.form)).status, 302);
  });
});
