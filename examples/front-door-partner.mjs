#!/usr/bin/env node
// The partner side of the front door, as the demo partner "demo-bank" would
// run it, with openid-client (a certified OpenID Connect relying party):
//   1. discovery            GET  /.well-known/openid-configuration
//   2. authorise (phone)    GET  /authorize  — opened by the phone over its mobile data
//                                              connection; the network is the authenticator
//   3. code → tokens        POST /token      — private_key_jwt, PKCE S256; ID token checked
//   4. the API call         POST /number-verification/v2/verify, GET …/device-phone-number,
//                           POST /kyc-age-verification/v0.2/verify (one login per call:
//                           access tokens are single-use)
// Usage: node examples/front-door-partner.mjs --issuer https://127.0.0.1:8443 --ca lab-ca.pem --number +447700900123
// The private key is the demo's LAB-ONLY key (examples/demo-bank.LAB-ONLY-private-key.jwk.json).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import { Agent, fetch } from 'undici';

const { values: a } = parseArgs({
  options: {
    issuer: { type: 'string', default: 'https://127.0.0.1:8443' },
    ca: { type: 'string' },
    number: { type: 'string', default: '+447700900123' },
    key: { type: 'string', default: new URL('./demo-bank.LAB-ONLY-private-key.jwk.json', import.meta.url).pathname },
    'client-id': { type: 'string', default: 'demo-bank' },
    'redirect-uri': { type: 'string', default: 'https://bank.example/callback' },
    phone: { type: 'string', default: '127.0.0.1', description: 'the source address the "phone" uses (its mobile data address)' },
  },
});
if (!a.ca) {
  console.error('--ca <lab CA file> is required (the demo prints it)');
  process.exit(2);
}
const ca = readFileSync(a.ca);
const dispatcher = new Agent({ connect: { ca } });
const { _warning, ...jwk } = JSON.parse(readFileSync(a.key, 'utf8'));
void _warning;
const privateKey = await webcrypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
const step = (n, what, detail) => console.log(`\n[${n}] ${what}${detail === undefined ? '' : `\n${typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2)}`}`);

// 1. discovery
// RS256 ID tokens: OpenID Connect's default, what demo-bank is configured for (a client
// configured `idTokenSignedResponseAlg: EdDSA` would register 'EdDSA' here).
const config = await client.discovery(new URL(a.issuer), a['client-id'], { id_token_signed_response_alg: 'RS256' }, client.PrivateKeyJwt({ key: privateKey, kid: jwk.kid }), {
  [client.customFetch]: (url, options) => fetch(url, { ...options, dispatcher }),
});
client.enableNonRepudiationChecks(config); // check the ID token's signature against the front door's JWKS
const m = config.serverMetadata();
step(1, 'discovery', {
  issuer: m.issuer,
  authorization_endpoint: m.authorization_endpoint,
  token_endpoint: m.token_endpoint,
  jwks_uri: m.jwks_uri,
  code_challenge_methods_supported: m.code_challenge_methods_supported,
});

/** The phone opens a URL and does not follow the redirect back to the partner (we read the code from it). */
function phoneOpens(url) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca, localAddress: a.phone, method: 'GET' });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function login(n, scope) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: a['redirect-uri'],
    scope: `openid ${scope} dpv:FraudPreventionAndDetection`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'none',
  });
  step(`${n}a`, `authorise: the phone (${a.phone}) opens`, url.href);
  const r = await phoneOpens(url);
  const callback = new URL(r.location);
  step(
    `${n}b`,
    `the front door answers ${r.status} → the partner's redirect URI`,
    callback.href.replace(/code=[^&]+/, (c) => `${c.slice(0, 13)}…`),
  );
  if (callback.searchParams.get('error')) throw new Error(`authorisation refused: ${callback.searchParams.get('error')} (${callback.searchParams.get('error_description')})`);
  const t = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  const c = t.claims();
  step(`${n}c`, 'code → tokens (private_key_jwt, PKCE verifier); ID token validated (signature, iss, aud, exp, nonce)', {
    token_type: t.token_type,
    expires_in: t.expires_in,
    scope: t.scope,
    access_token: `${t.access_token.slice(0, 8)}… (opaque, single-use)`,
    id_token_alg: JSON.parse(Buffer.from(t.id_token.split('.')[0], 'base64url').toString()).alg,
    id_token_claims: { iss: c.iss, sub: c.sub, aud: c.aud, amr: c.amr, auth_time: c.auth_time, nonce: c.nonce },
    refresh_token: t.refresh_token ?? '(none: the front door issues no refresh tokens)',
  });
  return t.access_token;
}

async function call(n, token, method, path, body) {
  const res = await client.fetchProtectedResource(
    config,
    token,
    new URL(`${a.issuer}${path}`),
    method,
    body === undefined ? undefined : JSON.stringify(body),
    new globalThis.Headers({ 'content-type': 'application/json', 'x-correlator': `demo-${n}` }),
  );
  step(`${n}d`, `${method} ${path}${body === undefined ? '' : ` ${JSON.stringify(body)}`} → ${res.status} (x-correlator ${res.headers.get('x-correlator')})`, await res.json());
}

await call(2, await login(2, 'number-verification:verify'), 'POST', '/number-verification/v2/verify', { phoneNumber: a.number });
await call(3, await login(3, 'number-verification:verify'), 'POST', '/number-verification/v2/verify', { phoneNumber: '+447700900999' });
await call(4, await login(4, 'number-verification:device-phone-number:read'), 'GET', '/number-verification/v2/device-phone-number');
await call(5, await login(5, 'kyc-age-verification:verify'), 'POST', '/kyc-age-verification/v0.2/verify', { ageThreshold: 18 });
console.log('\nEvery answer above is in the disclosure audit (partner demo-bank): see the breach report command the demo printed.');
await dispatcher.close();
