// What the front door refuses, and that a refusal discloses nothing: each case
// gets the right OIDC or CAMARA error and leaves no disclosure in the audit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as oidc from 'openid-client';
import { SignJWT } from 'jose';
import {
  startFrontDoorLab,
  partnerClient,
  fullLogin,
  authorise,
  api,
  phoneGet,
  PHONE,
  PHONE_NUMBER,
  UNBOUND,
  OPTED_OUT,
  ALL_SCOPES,
  PURPOSE,
  type FrontDoorLab,
  type PartnerKit,
} from '../helpers/front-door.js';
import { startThrowawayRedis, unavailable } from '../helpers/services.js';

async function disclosures(lab: FrontDoorLab): Promise<number> {
  const store = await lab.audit.open(lab.auditLoc);
  try {
    return (await store.scan({ from: 0, to: Date.now() + 60_000, type: 'disclosure' }, undefined, 100_000)).length;
  } finally {
    await store.close();
  }
}

/** Runs `refusal` and asserts the audit holds no more disclosures afterwards. */
async function nothingDisclosed(lab: FrontDoorLab, refusal: () => Promise<void>): Promise<void> {
  const before = await disclosures(lab);
  await refusal();
  assert.equal(await disclosures(lab), before, 'a refusal adds no disclosure to the audit');
}

function errorOf(cb: URL): { error: string | null; state: string | null; code: string | null; iss: string | null } {
  return { error: cb.searchParams.get('error'), state: cb.searchParams.get('state'), code: cb.searchParams.get('code'), iss: cb.searchParams.get('iss') };
}

async function assertion(lab: FrontDoorLab, p: PartnerKit, jti = randomUUID(), aud = lab.issuer, expIn = 60): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti })
    .setProtectedHeader({ alg: 'ES256', kid: `${p.clientId}-1` })
    .setIssuer(p.clientId)
    .setSubject(p.clientId)
    .setAudience(aud)
    .setIssuedAt(now)
    .setExpirationTime(now + expIn)
    .sign(p.privateKey);
}

function tokenRequest(lab: FrontDoorLab, params: Record<string, string>) {
  return api(lab, 'POST', '/token', { rawBody: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

describe('front door refusals: right error, nothing disclosed', () => {
  let lab: FrontDoorLab;
  let bank: oidc.Configuration;
  let shop: oidc.Configuration;
  before(async () => {
    lab = await startFrontDoorLab();
    bank = await partnerClient(lab, lab.bank);
    shop = await partnerClient(lab, lab.shop);
  });
  after(async () => lab?.close());

  it('unbound source address (no mobile data connection): login_required to the redirect URI, no code', async () => {
    await nothingDisclosed(lab, async () => {
      const a = await authorise(lab, bank, ALL_SCOPES, UNBOUND);
      assert.equal(a.reply.status, 302);
      assert.equal(a.callback.origin + a.callback.pathname, lab.bank.redirectUri);
      assert.deepEqual(errorOf(a.callback), { error: 'login_required', state: a.state, code: null, iss: lab.issuer });
      await assert.rejects(
        oidc.authorizationCodeGrant(bank, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state }),
        (e: Error) => e instanceof oidc.AuthorizationResponseError && (e as oidc.AuthorizationResponseError).error === 'login_required',
      );
    });
    assert.ok((await lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'authorize', partner: 'bank', outcome: 'login_required' })) >= 1, 'counted');
  });

  it('opted-out subscriber (optOut in the binding, or consent withdrawn on the transparency page): access_denied', async () => {
    await nothingDisclosed(lab, async () => {
      const a = await authorise(lab, bank, ALL_SCOPES, OPTED_OUT);
      assert.equal(errorOf(a.callback).error, 'access_denied');
      await lab.gw.consents.set(PHONE_NUMBER, 'bank', false);
      try {
        const b = await authorise(lab, bank, ALL_SCOPES, PHONE);
        assert.equal(errorOf(b.callback).error, 'access_denied');
        // Another partner is not affected.
        const c = await authorise(lab, shop, ['number-verification:verify'], PHONE);
        assert.ok(errorOf(c.callback).code !== null);
      } finally {
        await lab.gw.consents.set(PHONE_NUMBER, 'bank', true);
      }
    });
  });

  it('wrong redirect URI: answered here as JSON (never redirected, never a framable page)', async () => {
    await nothingDisclosed(lab, async () => {
      for (const uri of ['https://attacker.example/callback', `${lab.bank.redirectUri}/extra`, `${lab.bank.redirectUri}?x=1`, lab.shop.redirectUri]) {
        const url = oidc.buildAuthorizationUrl(bank, {
          redirect_uri: uri,
          scope: 'openid number-verification:verify',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          state: 's',
        });
        const r = await phoneGet(lab, url);
        assert.equal(r.status, 400);
        assert.equal(r.location, undefined);
        assert.equal(r.headers['x-frame-options'], 'DENY');
        assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
        assert.match(String(r.headers['content-type']), /^application\/json/);
        assert.equal((JSON.parse(r.body) as { error: string }).error, 'invalid_request');
      }
      const unknown = await phoneGet(lab, `${lab.issuer}/authorize?client_id=nobody&redirect_uri=${encodeURIComponent(lab.bank.redirectUri)}&response_type=code&scope=openid`);
      assert.equal(unknown.status, 400);
      assert.equal((JSON.parse(unknown.body) as { error: string }).error, 'invalid_client');
    });
  });

  it('a scope not granted to the client, a purpose that is not its own, no PKCE, prompt=login: errors to the redirect URI', async () => {
    await nothingDisclosed(lab, async () => {
      assert.equal(errorOf((await authorise(lab, shop, ['number-verification:device-phone-number:read'])).callback).error, 'invalid_scope');
      assert.equal(
        errorOf((await authorise(lab, bank, ['number-verification:verify'], PHONE, { scope: 'openid number-verification:verify dpv:Marketing' })).callback).error,
        'invalid_scope',
      );
      assert.equal(errorOf((await authorise(lab, bank, ['number-verification:verify'], PHONE, { scope: 'number-verification:verify' })).callback).error, 'invalid_scope');
      assert.equal(errorOf((await authorise(lab, bank, ['number-verification:verify'], PHONE, { code_challenge_method: 'plain' })).callback).error, 'invalid_request');
      assert.equal(errorOf((await authorise(lab, bank, ['number-verification:verify'], PHONE, { prompt: 'login' })).callback).error, 'interaction_required');
      assert.equal(errorOf((await authorise(lab, bank, ['number-verification:verify'], PHONE, { response_type: 'token' })).callback).error, 'unsupported_response_type');
    });
  });

  it('the purpose: exactly one dpv: scope, the client\'s own (CAMARA "Purpose as a scope"); none or two is invalid_scope', async () => {
    await nothingDisclosed(lab, async () => {
      for (const [scope, why] of [
        ['openid number-verification:verify', /exactly one purpose .* it has 0/],
        [`openid number-verification:verify ${PURPOSE} dpv:Marketing`, /exactly one purpose .* it has 2/],
        [`openid number-verification:verify ${PURPOSE} ${PURPOSE}`, /exactly one purpose .* it has 2/],
        [`openid ${PURPOSE}`, /at least one API scope/],
      ] as const) {
        const a = await authorise(lab, bank, ['number-verification:verify'], PHONE, { scope });
        assert.equal(errorOf(a.callback).error, 'invalid_scope', scope);
        assert.equal(errorOf(a.callback).state, a.state);
        assert.match(a.callback.searchParams.get('error_description') ?? '', why);
      }
    });
    // The purpose may stand anywhere in the scope.
    const first = await authorise(lab, bank, ['number-verification:verify'], PHONE, { scope: `${PURPOSE} openid number-verification:verify` });
    assert.ok(errorOf(first.callback).code !== null);
  });

  it('replayed code: invalid_grant, and the token the first exchange got is revoked', async () => {
    const a = await authorise(lab, bank, ALL_SCOPES);
    const t = await oidc.authorizationCodeGrant(bank, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    await nothingDisclosed(lab, async () => {
      await assert.rejects(
        oidc.authorizationCodeGrant(bank, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce }),
        (e: Error) => e instanceof oidc.ResponseBodyError && e.error === 'invalid_grant',
      );
      const r = await api(lab, 'POST', '/number-verification/v2/verify', { token: t.access_token, body: { phoneNumber: PHONE_NUMBER } });
      assert.equal(r.status, 401);
    });
  });

  it('a code issued to one partner, redeemed by another: invalid_grant; a wrong PKCE verifier: invalid_grant', async () => {
    const a = await authorise(lab, bank, ['number-verification:verify']);
    await nothingDisclosed(lab, async () => {
      const code = a.callback.searchParams.get('code')!;
      const stolen = await tokenRequest(lab, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: lab.bank.redirectUri,
        code_verifier: a.verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(lab, lab.shop),
      });
      assert.equal(stolen.status, 400);
      assert.equal(stolen.json.error, 'invalid_grant');
      const b = await authorise(lab, bank, ['number-verification:verify']);
      const wrongPkce = await tokenRequest(lab, {
        grant_type: 'authorization_code',
        code: b.callback.searchParams.get('code')!,
        redirect_uri: lab.bank.redirectUri,
        code_verifier: oidc.randomPKCECodeVerifier(),
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(lab, lab.bank),
      });
      assert.equal(wrongPkce.json.error, 'invalid_grant');
    });
  });

  it('replayed client assertion (same jti), wrong audience, too long-lived, signed by another key: invalid_client', async () => {
    const first = await authorise(lab, bank, ['number-verification:verify']);
    const second = await authorise(lab, bank, ['number-verification:verify']);
    const jwt = await assertion(lab, lab.bank);
    const exchange = (code: string, clientAssertion: string) =>
      tokenRequest(lab, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: lab.bank.redirectUri,
        code_verifier: first.verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      });
    const ok = await exchange(first.callback.searchParams.get('code')!, jwt);
    assert.equal(ok.status, 200, ok.text);
    await nothingDisclosed(lab, async () => {
      const replay = await exchange(second.callback.searchParams.get('code')!, jwt);
      assert.equal(replay.status, 401);
      assert.equal(replay.json.error, 'invalid_client');
      assert.equal(
        (await exchange(second.callback.searchParams.get('code')!, await assertion(lab, lab.bank, randomUUID(), 'https://elsewhere.example/token'))).json.error,
        'invalid_client',
      );
      assert.equal((await exchange(second.callback.searchParams.get('code')!, await assertion(lab, lab.bank, randomUUID(), undefined, 3600))).json.error, 'invalid_client');
      const forged = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'bank-1' })
        .setIssuer('bank')
        .setSubject('bank')
        .setAudience(lab.issuer)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(lab.shop.privateKey);
      assert.equal((await exchange(second.callback.searchParams.get('code')!, forged)).json.error, 'invalid_client');
    });
  });

  it('expired or reused access token: 401 UNAUTHENTICATED; a token without the scope: 403 PERMISSION_DENIED', async () => {
    const login = await fullLogin(lab, bank, ['number-verification:verify']);
    const ok = await api(lab, 'POST', '/number-verification/v2/verify', { token: login.accessToken, body: { phoneNumber: PHONE_NUMBER } });
    assert.equal(ok.status, 200);
    const narrow = await fullLogin(lab, bank, ['number-verification:verify']);
    await nothingDisclosed(lab, async () => {
      assert.equal((await api(lab, 'POST', '/number-verification/v2/verify', { token: login.accessToken, body: { phoneNumber: PHONE_NUMBER } })).json.code, 'UNAUTHENTICATED');
      const expired = lab.gw.frontDoor!.frontDoor.mintAccessToken(
        {
          clientId: 'bank',
          partnerId: 'bank',
          scopes: new Set(ALL_SCOPES),
          purpose: 'dpv:FraudPreventionAndDetection',
          subscriber: { msisdn: PHONE_NUMBER },
          clientAddress: PHONE,
          amr: ['nba'],
        },
        Date.now() - 1,
      );
      assert.equal((await api(lab, 'GET', '/number-verification/v2/device-phone-number', { token: expired })).status, 401);
      const r = await api(lab, 'GET', '/number-verification/v2/device-phone-number', { token: narrow.accessToken });
      assert.equal(r.status, 403);
      assert.equal(r.json.code, 'PERMISSION_DENIED');
      assert.ok(!r.text.includes(PHONE_NUMBER));
    });
  });

  it("a token of one partner used by another: a DPoP-bound token is refused without its owner's key (401), with it answered", async () => {
    const bankKey = oidc.getDPoPHandle(bank, await oidc.randomDPoPKeyPair('ES256'));
    const shopKey = oidc.getDPoPHandle(shop, await oidc.randomDPoPKeyPair('ES256'));
    const verifyUrl = new URL(`${lab.issuer}/number-verification/v2/verify`);
    const body = JSON.stringify({ phoneNumber: PHONE_NUMBER });
    const json = () => new Headers({ 'content-type': 'application/json' });
    const loginWith = async () => {
      const a = await authorise(lab, bank, ['number-verification:verify']);
      const t = await oidc.authorizationCodeGrant(bank, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce }, undefined, { DPoP: bankKey });
      assert.equal(t.token_type.toLowerCase(), 'dpop');
      return t.access_token;
    };
    const stolen = await loginWith();
    const misused = await loginWith();
    await nothingDisclosed(lab, async () => {
      await assert.rejects(
        oidc.fetchProtectedResource(shop, stolen, verifyUrl, 'POST', body, json(), { DPoP: shopKey }),
        (e: Error) => e instanceof oidc.WWWAuthenticateChallengeError && e.status === 401 && e.cause[0]?.parameters.error === 'invalid_token',
      );
      const asBearer = await api(lab, 'POST', '/number-verification/v2/verify', { token: misused, body: { phoneNumber: PHONE_NUMBER } });
      assert.equal(asBearer.status, 401);
    });
    const own = await oidc.fetchProtectedResource(bank, await loginWith(), verifyUrl, 'POST', body, json(), { DPoP: bankKey });
    assert.equal(own.status, 200);
    assert.deepEqual(await own.json(), { devicePhoneNumberVerified: true });
  });

  it('no refresh tokens, no other grant types', async () => {
    const r = await tokenRequest(lab, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(lab, lab.bank),
    });
    assert.equal(r.json.error, 'unsupported_grant_type');
    const t = await fullLogin(lab, bank, ['number-verification:verify']);
    assert.ok(!('refresh_token' in t));
  });
});

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const noRedis = hasRedis ? undefined : unavailable('Redis', 'no redis-server binary to start a throwaway server');

describe('front door with the binding store down', { skip: noRedis }, () => {
  let redis: Awaited<ReturnType<typeof startThrowawayRedis>>;
  let lab: FrontDoorLab;
  before(async () => {
    redis = await startThrowawayRedis();
    lab = await startFrontDoorLab({
      subscribersYaml: `subscribers:\n  store: ${redis.url}\n  redis:\n    keyPrefix: "hedge-fd-${randomUUID().slice(0, 8)}:"\n    timeoutMs: 200\n`,
    });
  });
  after(async () => {
    await lab?.close();
    await redis?.stop();
  });

  it('Redis down: temporarily_unavailable (fail closed), counted; nothing disclosed', async () => {
    const put = await fetch(`${lab.gw.adminUrl}/bindings/${PHONE}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: PHONE_NUMBER, birthDate: '1990-04-01' }),
    });
    assert.equal(put.status < 300, true, await put.text());
    const bank = await partnerClient(lab, lab.bank);
    const ok = await authorise(lab, bank, ALL_SCOPES);
    assert.ok(ok.callback.searchParams.get('code'), 'bound through Redis');
    await redis.kill();
    await nothingDisclosed(lab, async () => {
      const deadline = Date.now() + 20_000;
      let error: string | null = null;
      while (Date.now() < deadline) {
        error = errorOf((await authorise(lab, bank, ALL_SCOPES)).callback).error;
        if (error === 'temporarily_unavailable') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(error, 'temporarily_unavailable');
    });
    assert.ok((await lab.gw.metrics.value('hedge_binding_store_errors_total', { store: 'redis' })) > 0, 'failed lookups counted');
    assert.ok((await lab.gw.metrics.value('hedge_frontdoor_requests_total', { step: 'authorize', partner: 'bank', outcome: 'temporarily_unavailable' })) >= 1);

    // Redis back: the front door recognises the phone again without a restart.
    await redis.restart();
    const deadline = Date.now() + 20_000;
    let code: string | null = null;
    while (Date.now() < deadline && code === null) {
      const stored = await Promise.resolve(lab.gw.bindings.set({ ip: PHONE, subscriber: { msisdn: PHONE_NUMBER } })).then(
        () => true,
        () => false,
      );
      if (stored) code = (await authorise(lab, bank, ALL_SCOPES)).callback.searchParams.get('code');
      if (code === null) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(code !== null, 'recognised again once Redis is back');
  });
});
