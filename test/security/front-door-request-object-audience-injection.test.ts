// Threat: audience injection, for request objects (RFC 9101) as for client
// assertions (draft-ietf-oauth-rfc7523bis). A partner that also talks to
// another authorisation server, with the same keys, signs request objects for
// it too; SDKs that name several audiences sign `aud: ["<other server>",
// "<our issuer>"]`. The front door accepted any array that named its issuer or
// authorisation endpoint: an object the partner signed for the other server
// (which that server, or anyone it passes it to, holds) was honoured here as
// a request the partner had made to us.
//
// Now `aud` must be one audience, the issuer or the authorisation endpoint: a
// string, or an array of that one value (as client assertions allow). An array
// of several, even all ours, is invalid_request_object, with the object's
// state sent back like every other error about it, and no code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { SignJWT } from 'jose';
import { phoneGet, PURPOSE, useFrontDoorLab } from '../helpers/front-door.js';

const HOSTILE = 'https://hostile-as.example';
const SCOPE = `openid number-verification:verify ${PURPOSE}`;

describe('a request object whose audience is an array', () => {
  const fd = useFrontDoorLab();

  /** The bank's request object for `aud`, signed with its registered key; its state is the returned one. */
  async function requestFor(aud: string | string[]) {
    const { lab } = fd;
    const state = `state-${randomUUID()}`;
    const jwt = await new SignJWT({
      client_id: lab.bank.clientId,
      response_type: 'code',
      redirect_uri: lab.bank.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state,
    })
      .setProtectedHeader({ alg: 'ES256', kid: `${lab.bank.clientId}-1`, typ: 'oauth-authz-req+jwt' })
      .setIssuer(lab.bank.clientId)
      .setAudience(aud)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(lab.bank.privateKey);
    return { url: `${lab.issuer}/authorize?${new URLSearchParams({ client_id: lab.bank.clientId, request: jwt })}`, state };
  }

  async function outcome(aud: string | string[]) {
    const { url, state } = await requestFor(aud);
    const r = await phoneGet(fd.lab, url);
    assert.equal(r.status, 302, r.body);
    const cb = new URL(r.location!);
    assert.equal(cb.origin + cb.pathname, fd.lab.bank.redirectUri);
    return {
      error: cb.searchParams.get('error'),
      description: cb.searchParams.get('error_description'),
      code: cb.searchParams.get('code'),
      state: cb.searchParams.get('state'),
      sent: state,
    };
  }

  it('is refused (invalid_request_object, no code, its state back) when it names more than one audience, even the issuer; one audience is accepted', async () => {
    const { lab } = fd;
    const authorization = `${lab.issuer}/authorize`;
    const injected: string[][] = [
      [HOSTILE, lab.issuer],
      [lab.issuer, HOSTILE],
      [HOSTILE, authorization],
      [lab.issuer, authorization],
    ];
    for (const aud of injected) {
      const o = await outcome(aud);
      assert.equal(o.error, 'invalid_request_object', `aud ${JSON.stringify(aud)}: ${o.error} ${o.description}`);
      assert.equal(o.code, null, `aud ${JSON.stringify(aud)}: no code`);
      assert.equal(o.state, o.sent, 'the state goes back with the error');
      assert.match(o.description ?? '', /aud must be a single audience/);
    }
    // The issuer, or the authorisation endpoint, as the one audience (a string, or an array of one, as
    // client assertions allow): honoured.
    for (const aud of [lab.issuer, authorization, [lab.issuer], [authorization]]) {
      const o = await outcome(aud);
      assert.ok(o.code !== null, `aud ${aud}: ${o.error} ${o.description}`);
      assert.equal(o.state, o.sent);
    }
    assert.ok(
      (await lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'authorize', partner: 'bank', outcome: 'invalid_request_object' })) >= injected.length,
      'counted',
    );
  });
});
