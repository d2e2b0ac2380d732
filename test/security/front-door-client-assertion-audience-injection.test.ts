// Threat: audience injection (the 2025 findings behind draft-ietf-oauth-rfc7523bis).
// A partner that also talks to another authorisation server, with the same
// key, signs client assertions for it. A hostile server names our token
// endpoint as its own token endpoint (nothing ties a token_endpoint to the
// issuer that publishes it), so the partner's assertion for it has
// `aud: "<our token endpoint>"`, or, from SDKs that send both,
// `aud: ["<hostile issuer>", "<our token endpoint>"]`. The front door
// accepted any array member naming its issuer or token endpoint: the hostile
// server could replay the assertion here and redeem codes as the partner.
//
// Now the only audience accepted is the issuer identifier alone (a string, or
// an array with it as the only member); anything else is invalid_client, and
// nothing is disclosed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { api, authorise, type PartnerKit, useFrontDoorLab } from '../helpers/front-door.js';

const HOSTILE = 'https://hostile-as.example';

function assertion(p: PartnerKit, aud: string | string[]): Promise<string> {
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: `${p.clientId}-1` })
    .setIssuer(p.clientId)
    .setSubject(p.clientId)
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(p.privateKey);
}

describe('a client assertion whose audience names another server as well', () => {
  const fd = useFrontDoorLab();

  async function exchange(code: string, verifier: string, clientAssertion: string) {
    return api(fd.lab, 'POST', '/token', {
      rawBody: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: fd.lab.bank.redirectUri,
        code_verifier: verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  it('is refused (invalid_client) whatever else it names; the issuer alone is accepted', async () => {
    const a = await authorise(fd.lab, fd.bank, ['number-verification:verify']);
    const code = a.callback.searchParams.get('code');
    assert.ok(code, `a code: ${a.callback.href}`);
    const tokenEndpoint = `${fd.lab.issuer}/token`;
    const injected: (string | string[])[] = [
      [HOSTILE, fd.lab.issuer],
      [fd.lab.issuer, HOSTILE],
      [HOSTILE, tokenEndpoint],
      [fd.lab.issuer, tokenEndpoint],
      // The hostile server names our token endpoint as its own: a single string the partner signs for it.
      tokenEndpoint,
      [],
    ];
    for (const aud of injected) {
      const r = await exchange(code, a.verifier, await assertion(fd.lab.bank, aud));
      assert.equal(r.status, 401, `aud ${JSON.stringify(aud)}: ${r.text}`);
      assert.equal(r.json.error, 'invalid_client', JSON.stringify(aud));
      assert.match(String(r.json.error_description), /issuer identifier alone|not valid/);
    }
    // The same code is still good: the refusals consumed nothing.
    const ok = await exchange(code, a.verifier, await assertion(fd.lab.bank, fd.lab.issuer));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(typeof ok.json.id_token, 'string');
  });

  it('accepts an array whose only member is the issuer (it names no one else)', async () => {
    const a = await authorise(fd.lab, fd.bank, ['number-verification:verify']);
    const ok = await exchange(a.callback.searchParams.get('code')!, a.verifier, await assertion(fd.lab.bank, [fd.lab.issuer]));
    assert.equal(ok.status, 200, ok.text);
  });
});
