// Threat: an authorisation request the partner never made is acted on as if
// it had signed it. The CAMARA profile has partners sign their authorisation
// requests (request objects, RFC 9101) and the front door must support them;
// the front door refused them all (request_not_supported). A verifier that
// checks too little would be worse than none: a request object signed by
// another key or another client, unsigned (alg none), expired, issued for
// another server, or already used; or query parameters appended by whoever
// carries the URL (a PKCE challenge, a state) taking effect over the signed
// ones. Each must be refused with invalid_request_object and no code, while
// the partner's own request object (built by openid-client) is honoured.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { phoneGet, phonePost, PURPOSE, type PartnerKit, useFrontDoorLab } from '../helpers/front-door.js';

const SCOPE = `openid number-verification:verify ${PURPOSE}`;

describe('forged, unsigned, expired, foreign or replayed request objects', () => {
  const fd = useFrontDoorLab();

  /** The partner's signed request, built by openid-client (RFC 9101: client_id and request in the URL). */
  async function signedByBank(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithJAR(
      fd.bank,
      {
        redirect_uri: fd.lab.bank.redirectUri,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...extra,
      },
      { key: fd.lab.bank.privateKey, kid: `${fd.lab.bank.clientId}-1` },
    );
    return { url, verifier, state, nonce };
  }

  /** A request object made by hand: the bank's claims unless overridden, signed by `signer`. */
  async function handMade(signer: PartnerKit, over: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      iss: fd.lab.bank.clientId,
      aud: fd.lab.issuer,
      client_id: fd.lab.bank.clientId,
      response_type: 'code',
      redirect_uri: fd.lab.bank.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'hand-made',
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...over,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: `${signer.clientId}-1`, typ: 'oauth-authz-req+jwt', ...header }).sign(signer.privateKey);
  }

  const at = (request: string, query: Record<string, string> = {}, clientId = fd.lab.bank.clientId) =>
    `${fd.lab.issuer}/authorize?${new URLSearchParams({ client_id: clientId, ...query, request })}`;

  /** Opens the URL from the phone; the error and code on the bank's redirect URI. */
  async function outcome(url: string | URL) {
    const r = await phoneGet(fd.lab, url);
    assert.equal(r.status, 302, r.body);
    const cb = new URL(r.location!);
    assert.equal(cb.origin + cb.pathname, fd.lab.bank.redirectUri, 'errors go to the registered redirect URI');
    return {
      error: cb.searchParams.get('error'),
      description: cb.searchParams.get('error_description'),
      code: cb.searchParams.get('code'),
      state: cb.searchParams.get('state'),
      cb,
    };
  }

  async function refused(url: string | URL, why: RegExp) {
    const o = await outcome(url);
    assert.equal(o.error, 'invalid_request_object', `${o.error}: ${o.description}`);
    assert.equal(o.code, null, 'no code');
    assert.match(o.description ?? '', why);
  }

  it("the partner's own request object (openid-client) is honoured; the flow completes with its nonce", async () => {
    const s = await signedByBank();
    assert.deepEqual([...s.url.searchParams.keys()].sort(), ['client_id', 'request'], 'RFC 9101: only client_id and request in the URL');
    const o = await outcome(s.url);
    assert.ok(o.code !== null, `${o.error}: ${o.description}`);
    assert.equal(o.state, s.state);
    const t = await oidc.authorizationCodeGrant(fd.bank, o.cb, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce, idTokenExpected: true });
    assert.equal(t.claims()?.nonce, s.nonce);
    // As the CAMARA profile asks clients to send them: scope, response_type and redirect_uri also in the query, equal.
    const c = await signedByBank();
    c.url.searchParams.set('scope', SCOPE);
    c.url.searchParams.set('response_type', 'code');
    c.url.searchParams.set('redirect_uri', fd.lab.bank.redirectUri);
    assert.ok((await outcome(c.url)).code !== null);
    // Posted as a form (POST /authorize) it is the same request.
    const p = await signedByBank();
    const form = new URLSearchParams(p.url.searchParams);
    p.url.search = '';
    const posted = await phonePost(fd.lab, p.url, form);
    assert.equal(new URL(posted.location!).searchParams.get('state'), p.state);
    assert.ok(new URL(posted.location!).searchParams.get('code') !== null);
  });

  it('parameters appended to the URL are not used: a PKCE challenge and state added by whoever carries it change nothing', async () => {
    const s = await signedByBank();
    const attackerVerifier = oidc.randomPKCECodeVerifier();
    s.url.searchParams.set('code_challenge', await oidc.calculatePKCECodeChallenge(attackerVerifier));
    s.url.searchParams.set('state', 'attacker');
    s.url.searchParams.set('nonce', 'attacker');
    const o = await outcome(s.url);
    assert.ok(o.code !== null);
    assert.equal(o.state, s.state, 'the signed state, not the appended one');
    await assert.rejects(
      oidc.authorizationCodeGrant(fd.bank, o.cb, { pkceCodeVerifier: attackerVerifier, expectedState: s.state }),
      (e: Error) => e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant',
      "the attacker's verifier does not redeem the code",
    );
    const mine = await signedByBank();
    mine.url.searchParams.set('scope', `openid number-verification:verify number-verification:device-phone-number:read ${PURPOSE}`);
    await refused(mine.url, /scope differs/);
  });

  it("signed with another key, unsigned (alg none), another client's, another type: invalid_request_object, no code", async () => {
    await refused(at(await handMade(fd.lab.shop)), /not signed by a key registered/);
    await refused(at(await handMade(fd.lab.shop, {}, { kid: undefined })), /not signed by a key registered/);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = new UnsecuredJWT({
      iss: 'bank',
      aud: fd.lab.issuer,
      client_id: 'bank',
      response_type: 'code',
      redirect_uri: fd.lab.bank.redirectUri,
      scope: SCOPE,
      jti: randomUUID(),
    })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .encode();
    await refused(at(unsigned), /not signed \(alg none\)/);
    // The shop's own, genuine request object, presented as the bank's.
    const shops = await handMade(fd.lab.shop, { iss: 'shop', client_id: 'shop', redirect_uri: fd.lab.shop.redirectUri }, {});
    await refused(at(shops, { redirect_uri: fd.lab.bank.redirectUri }), /claim iss|not signed by a key registered/);
    // The bank's, claiming to be for the shop's client id in the object only.
    await refused(at(await handMade(fd.lab.bank, { client_id: 'shop' })), /client_id in the request object/);
    await refused(at(await handMade(fd.lab.bank, {}, { typ: 'dpop+jwt' })), /not a request object/);
    await refused(at(await handMade(fd.lab.bank, {}, { typ: 7 })), /not a request object/);
  });

  it('expired, issued in the future, living over 300 s, without jti or iat, for another server or endpoint, with sub: refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(at(await handMade(fd.lab.bank, { iat: now - 200, exp: now - 10 })), /expired/);
    await refused(at(await handMade(fd.lab.bank, { iat: now + 60, exp: now + 120 })), /in the future/);
    await refused(at(await handMade(fd.lab.bank, { exp: now + 3600 })), /longer than 300 s/);
    await refused(at(await handMade(fd.lab.bank, { jti: undefined })), /claim jti/);
    await refused(at(await handMade(fd.lab.bank, { iat: undefined })), /claim iat/);
    await refused(at(await handMade(fd.lab.bank, { nbf: now + 120 })), /claim nbf/);
    await refused(at(await handMade(fd.lab.bank, { aud: 'https://other-operator.example' })), /claim aud/);
    await refused(at(await handMade(fd.lab.bank, { aud: `${fd.lab.issuer}/token` })), /claim aud/);
    await refused(at(await handMade(fd.lab.bank, { sub: 'bank' })), /must not carry sub/);
    // Accepted audiences: the issuer and the authorisation endpoint.
    assert.ok((await outcome(at(await handMade(fd.lab.bank, { aud: `${fd.lab.issuer}/authorize` })))).code !== null);
  });

  it('replayed: a request object that got a code gets no second one', async () => {
    const s = await signedByBank();
    assert.ok((await outcome(s.url)).code !== null);
    await refused(s.url, /used before/);
    const handmade = at(await handMade(fd.lab.bank));
    const [a, b] = await Promise.all([phoneGet(fd.lab, handmade), phoneGet(fd.lab, handmade)]);
    const codes = [a, b].map((r) => new URL(r.location!).searchParams.get('code')).filter((c) => c !== null);
    assert.equal(codes.length, 1, 'of two concurrent uses, one gets a code');
  });

  it('an error about a request object is redirected only to a registered URI; request_uri is request_uri_not_supported', async () => {
    const toAttacker = await handMade(fd.lab.shop, { redirect_uri: 'https://attacker.example/cb' });
    const r = await phoneGet(fd.lab, at(toAttacker));
    assert.equal(r.status, 400);
    assert.equal(r.location, undefined);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'invalid_request_object');
    const uri = await phoneGet(
      fd.lab,
      `${fd.lab.issuer}/authorize?${new URLSearchParams({ client_id: 'bank', request_uri: 'https://bank.example/ro/1', redirect_uri: fd.lab.bank.redirectUri })}`,
    );
    assert.equal(new URL(uri.location!).searchParams.get('error'), 'request_uri_not_supported');
    assert.ok((await fd.lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'authorize', partner: 'bank', outcome: 'invalid_request_object' })) >= 1, 'counted');
  });
});
