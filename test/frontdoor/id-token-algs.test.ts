// ID token algorithms, as partners' OIDC libraries see them. OpenID Connect
// Core §15.1 makes RS256 mandatory for a provider, and a client that registers
// no id_token_signed_response_alg expects RS256 (Dynamic Client Registration):
// many partner SDKs accept nothing else. Each front-door client gets the one it
// is configured for (frontDoor.idTokenSignedResponseAlg, RS256 unless set), and
// never the other; discovery lists both; the JWKS carries the RSA key (≥ 2048
// bits) beside the Ed25519 one. openid-client checks each token end to end
// (signature against jwks_uri, iss, aud, nonce), and jose checks it again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { api, fullLogin, partnerClient, startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';

const SCOPES = ['number-verification:verify'];

/** openid-client's refusal of an ID token signed with another algorithm than the client expects (the reason is in `cause`). */
function wrongAlg(err: unknown): boolean {
  const cause = (err as { cause?: { message?: string } }).cause;
  assert.match(String(cause?.message), /unexpected JWT "alg" header parameter/, String(err));
  return true;
}

describe('front door: RS256 and EdDSA ID tokens, each client the one it chose', () => {
  let lab: FrontDoorLab;
  let jwks: JSONWebKeySet;
  before(async () => {
    // bank sets nothing (RS256, the default); shop chose EdDSA.
    lab = await startFrontDoorLab({ shopIdTokenAlg: 'EdDSA' });
    jwks = (await api(lab, 'GET', '/.well-known/jwks.json')).json as unknown as JSONWebKeySet;
  });
  after(async () => lab?.close());

  function verifyWithJose(idToken: string, clientId: string, alg: 'RS256' | 'EdDSA') {
    return jwtVerify(idToken, createLocalJWKSet(jwks), { issuer: lab.issuer, audience: clientId, algorithms: [alg] });
  }

  it('discovery lists RS256 and EdDSA; the JWKS holds an RSA key of at least 2048 bits and the Ed25519 key', async () => {
    const meta = (await api(lab, 'GET', '/.well-known/openid-configuration')).json;
    assert.deepEqual(meta.id_token_signing_alg_values_supported, ['RS256', 'EdDSA']);
    const rsa = jwks.keys.filter((k) => k.kty === 'RSA');
    assert.equal(rsa.length, 1);
    assert.equal(rsa[0]!.alg, 'RS256');
    assert.equal(rsa[0]!.use, 'sig');
    assert.ok(!('d' in rsa[0]!) && !('p' in rsa[0]!), 'public members only');
    assert.ok(createPublicKey({ key: rsa[0] as never, format: 'jwk' }).asymmetricKeyDetails!.modulusLength! >= 2048);
    assert.ok(jwks.keys.some((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.alg === 'EdDSA'));
  });

  it('a client configured with nothing gets an RS256 ID token, verified end to end by openid-client', async () => {
    // (openid-client with no id_token_signed_response_alg accepts what discovery lists; the header says which it got.)
    const bank = await partnerClient(lab, lab.bank);
    const login = await fullLogin(lab, bank, SCOPES);
    const header = decodeProtectedHeader(login.idToken);
    assert.equal(header.alg, 'RS256');
    assert.equal(jwks.keys.find((k) => k.kid === header.kid)?.kty, 'RSA', 'signed with the RSA key published at jwks_uri');
    assert.equal(login.claims.aud, lab.bank.clientId);
    const { payload } = await verifyWithJose(login.idToken, lab.bank.clientId, 'RS256');
    assert.equal(payload.sub, login.claims.sub);
  });

  it('a client that chose EdDSA gets an EdDSA ID token, verified by openid-client set for EdDSA', async () => {
    const shop = await partnerClient(lab, lab.shop, 'EdDSA');
    const login = await fullLogin(lab, shop, SCOPES);
    const header = decodeProtectedHeader(login.idToken);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(jwks.keys.find((k) => k.kid === header.kid)?.kty, 'OKP');
    await verifyWithJose(login.idToken, lab.shop.clientId, 'EdDSA');
  });

  it('a client configured RS256 never gets an EdDSA token (nor an EdDSA client an RS256 one)', async () => {
    // Several logins: each one RS256, and a library expecting EdDSA for this client refuses every one.
    const bank = await partnerClient(lab, lab.bank, 'RS256');
    for (let i = 0; i < 3; i++) assert.equal(decodeProtectedHeader((await fullLogin(lab, bank, SCOPES)).idToken).alg, 'RS256');
    await assert.rejects(fullLogin(lab, await partnerClient(lab, lab.bank, 'EdDSA'), SCOPES), wrongAlg);
    // The other way round: shop chose EdDSA; a library that expects RS256 refuses its token.
    await assert.rejects(fullLogin(lab, await partnerClient(lab, lab.shop, 'RS256'), SCOPES), wrongAlg);
  });
});
