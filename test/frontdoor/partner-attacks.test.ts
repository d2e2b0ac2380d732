// The front door as a hostile partner, phone or bystander would attack it:
// properties that held when the front door was reviewed and had no test of
// their own. Each case is refused (or answered) as the comment says, and no
// refusal discloses anything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { api, authorise, disclosures, fullLogin, phoneGet, useFrontDoorLab, PHONE, PHONE_NUMBER, PURPOSE, UNBOUND, type FrontDoorLab } from '../helpers/front-door.js';
import { forbiddenMemberName } from '../../src/frontdoor/camara/member-names.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const sha256 = (s: string, enc: 'hex' | 'base64url') => createHash('sha256').update(s).digest(enc);

/** A GET from the phone's side with extra request headers. */
function phoneGetWith(lab: FrontDoorLab, url: string, headers: Record<string, string>, localAddress: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(url), { ca: lab.pki.ca, localAddress, agent: false, headers });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('front door: attacks a partner, a phone or a bystander would try', () => {
  const fd = useFrontDoorLab();
  const authorizeUrl = (over: Record<string, string | undefined> = {}) => {
    const u = new URL(`${fd.lab.issuer}/authorize`);
    const params: Record<string, string | undefined> = {
      client_id: 'bank',
      response_type: 'code',
      redirect_uri: fd.lab.bank.redirectUri,
      scope: `openid number-verification:verify ${PURPOSE}`,
      code_challenge: sha256(randomUUID() + randomUUID(), 'base64url'),
      code_challenge_method: 'S256',
      state: 'st',
      ...over,
    };
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    return u.toString();
  };
  const assertion = async () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'bank-1' })
      .setIssuer('bank')
      .setSubject('bank')
      .setAudience(fd.lab.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(fd.lab.bank.privateKey);
  };
  const codeExchange = async () => {
    const a = await authorise(fd.lab, fd.bank, ['number-verification:verify']);
    return {
      grant_type: 'authorization_code',
      code: a.callback.searchParams.get('code')!,
      redirect_uri: fd.lab.bank.redirectUri,
      code_verifier: a.verifier,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(),
    };
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('redirect_uri is matched exactly: no trailing slash, case, percent-encoding, port, userinfo, query, fragment or trailing dot variant is redirected to', async () => {
    const r = fd.lab.bank.redirectUri; // https://bank.example/callback
    for (const variant of [
      `${r}/`,
      r.replace('bank.example', 'BANK.example'),
      r.replace('callback', 'callbac%6B'),
      r.replace('bank.example', 'bank.example:443'),
      r.replace('https://', 'https://evil.example@'),
      r.replace('https://', 'https://evil.example\\@'),
      `${r}?next=https://evil.example`,
      `${r}#frag`,
      r.replace('bank.example', 'bank.example.'),
      ` ${r}`,
      `${r}%00`,
    ]) {
      const reply = await phoneGet(fd.lab, authorizeUrl({ redirect_uri: variant }));
      assert.equal(reply.status, 400, variant);
      assert.equal(reply.location, undefined, `${variant}: never redirected`);
      assert.equal(JSON.parse(reply.body).error, 'invalid_request');
    }
  });

  it('PKCE cannot be downgraded: plain, a lower-case method, no method, no challenge, a short challenge', async () => {
    for (const over of [
      { code_challenge_method: 'plain' },
      { code_challenge_method: 's256' },
      { code_challenge_method: undefined },
      { code_challenge: undefined },
      { code_challenge: 'a'.repeat(42) },
    ]) {
      const reply = await phoneGet(fd.lab, authorizeUrl(over));
      const cb = new URL(reply.location ?? 'https://missing.invalid/');
      assert.equal(cb.searchParams.get('error'), 'invalid_request', JSON.stringify(over));
      assert.equal(cb.searchParams.get('code'), null);
    }
    const exchange = await codeExchange();
    const noVerifier = await api(fd.lab, 'POST', '/token', { rawBody: new URLSearchParams({ ...exchange, code_verifier: '' }).toString(), headers: form });
    assert.equal(noVerifier.json.error, 'invalid_grant');
  });

  it('X-Forwarded-For, Forwarded, X-Real-IP and their kin never identify the subscriber: the connection does', async () => {
    const before = await disclosures(fd.lab);
    for (const h of ['x-forwarded-for', 'x-real-ip', 'client-ip', 'true-client-ip', 'cf-connecting-ip', 'x-client-ip'])
      for (const headers of [{ [h]: PHONE }, { forwarded: `for=${PHONE}` }, { forwarded: `for="[::ffff:${PHONE}]"` }]) {
        const reply = await phoneGetWith(fd.lab, authorizeUrl(), headers, UNBOUND);
        assert.equal(new URL(reply.location!).searchParams.get('error'), 'login_required', JSON.stringify(headers));
      }
    assert.equal(await disclosures(fd.lab), before);
  });

  it('/token takes only a form body: JSON, text/plain and parameters in the query string are refused', async () => {
    const exchange = await codeExchange();
    assert.equal((await api(fd.lab, 'POST', '/token', { body: exchange })).json.error, 'invalid_request');
    assert.equal(
      (await api(fd.lab, 'POST', '/token', { rawBody: new URLSearchParams(exchange).toString(), headers: { 'content-type': 'text/plain' } })).json.error,
      'invalid_request',
    );
    const inQuery = await api(fd.lab, 'POST', `/token?${new URLSearchParams(exchange).toString()}`, { rawBody: '', headers: form });
    assert.equal(inQuery.status, 401);
    // The code was not spent by any of them.
    assert.equal(
      (await api(fd.lab, 'POST', '/token', { rawBody: new URLSearchParams({ ...exchange, client_assertion: await assertion() }).toString(), headers: form })).status,
      200,
    );
  });

  it('a token for one API is refused by the other (403, nothing disclosed); an ID token is not an access token (401)', async () => {
    const nv = await fullLogin(fd.lab, fd.bank, ['number-verification:verify']);
    const before = await disclosures(fd.lab);
    const age = await api(fd.lab, 'POST', '/kyc-age-verification/v0.2/verify', { token: nv.accessToken, body: { ageThreshold: 18 } });
    assert.equal(age.status, 403);
    assert.equal(age.json.code, 'PERMISSION_DENIED');
    const asId = await api(fd.lab, 'POST', '/number-verification/v2/verify', { token: nv.idToken, body: { phoneNumber: PHONE_NUMBER } });
    assert.equal(asId.status, 401);
    const share = await api(fd.lab, 'GET', '/number-verification/v2/device-phone-number', {
      token: (await fullLogin(fd.lab, fd.bank, ['number-verification:verify'])).accessToken,
    });
    assert.equal(share.status, 403);
    assert.ok(!share.text.includes(PHONE_NUMBER.slice(1)), 'the number is not in a refusal');
    assert.equal(await disclosures(fd.lab), before + 1, 'only the second login’s ID token');
  });

  it('phoneNumber must be E.164 exactly: spaces, a newline, Unicode digits, no "+", a leading 0, NUL or 200 digits are 400 and never compared', async () => {
    for (const n of [
      ` ${PHONE_NUMBER}`,
      `${PHONE_NUMBER} `,
      `${PHONE_NUMBER}\n`,
      PHONE_NUMBER.replace('7', '\uff17'),
      PHONE_NUMBER.replace('4', '\u0664'),
      PHONE_NUMBER.slice(1),
      `+0${PHONE_NUMBER.slice(1)}`,
      `${PHONE_NUMBER}\u0000`,
      `+${'4'.repeat(200)}`,
    ]) {
      const { accessToken } = await fullLogin(fd.lab, fd.bank, ['number-verification:verify']);
      const r = await api(fd.lab, 'POST', '/number-verification/v2/verify', { token: accessToken, body: { phoneNumber: n } });
      assert.equal(r.status, 400, JSON.stringify(n));
      assert.equal(r.json.code, 'INVALID_ARGUMENT');
      assert.ok(!r.text.includes(PHONE_NUMBER.slice(1)));
    }
  });

  it('hashedPhoneNumber: the hash of the number with "+", either case; the hash without "+" is another number', async () => {
    const ask = async (hash: string) => {
      const { accessToken } = await fullLogin(fd.lab, fd.bank, ['number-verification:verify']);
      return (await api(fd.lab, 'POST', '/number-verification/v2/verify', { token: accessToken, body: { hashedPhoneNumber: hash } })).json;
    };
    assert.deepEqual(await ask(sha256(PHONE_NUMBER, 'hex').toUpperCase()), { devicePhoneNumberVerified: true });
    assert.deepEqual(await ask(sha256(PHONE_NUMBER.slice(1), 'hex')), { devicePhoneNumberVerified: false });
  });

  it('DPoP at /token: a future iat, an old one, another method or URL spelling, and a replayed proof are refused; a query in htu is ignored (RFC 9449 §4.3)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const tokenUrl = `${fd.lab.issuer}/token`;
    const now = () => Math.floor(Date.now() / 1000);
    const proof = (htm: string, htu: string, iat = now()) =>
      new SignJWT({ htm, htu, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt(iat).sign(privateKey);
    const withProof = async (p: string) => api(fd.lab, 'POST', '/token', { rawBody: new URLSearchParams(await codeExchange()).toString(), headers: { ...form, dpop: p } });
    for (const p of [
      await proof('POST', tokenUrl, now() + 3600),
      await proof('POST', tokenUrl, now() - 3600),
      await proof('GET', tokenUrl),
      await proof('POST', tokenUrl.replace('https:', 'HTTPS:')),
      await proof('POST', `${tokenUrl}/`),
    ]) {
      const r = await withProof(p);
      assert.equal(r.status, 400);
      assert.equal(r.json.error, 'invalid_dpop_proof');
    }
    const good = await proof('POST', `${tokenUrl}?ignored=1`);
    assert.equal((await withProof(good)).json.token_type, 'DPoP');
    assert.equal((await withProof(good)).json.error, 'invalid_dpop_proof', 'replayed');
  });

  it('the member-name scan: strings that only look like names, escaped quotes, nesting and arrays', () => {
    assert.equal(forbiddenMemberName('{"a":"\\"a\\":1","b":[{"a":1},{"a":2}],"c":{"a":{"a":1}}}'), undefined);
    assert.deepEqual(forbiddenMemberName('{"a":[1,{"x":1}],"a":2}'), { name: 'a', why: 'repeated' });
    assert.deepEqual(forbiddenMemberName('[{"k":1,"k":1}]'), { name: 'k', why: 'repeated' });
    assert.deepEqual(forbiddenMemberName('{"x":{"\\u005f\\u005fproto__":1}}'), { name: '__proto__', why: 'reserved' });
    assert.equal(forbiddenMemberName('{"__proto":1,"proto__":2}'), undefined);
  });
});
