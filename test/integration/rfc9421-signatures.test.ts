// Issue "Signatures every partner can verify", acceptance: an enriched request
// through the gateway verifies with an independent RFC 9421 implementation
// (http-message-signatures from the registry) for ed25519 and hmac-sha256, and
// with the OpenSSL command line for Ed25519; the kit verifies signatures that
// implementation makes; and the kit refuses, each with its typed reason, one
// changed byte in any covered component, an expired created/expires, a
// replayed nonce and a signature for another partner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpbis, createSigner, createVerifier } from 'http-message-signatures';
import { startLab, viaProxy, type Lab, type EchoBody } from '../helpers/gateway.js';
import { tempKeyFile, withKeys } from '../helpers/keys.js';
import { verifyRequest, MemoryNonceStore, type NodeLikeRequest, type RequestVerifyOptions } from 'hedge-partner';

const HMAC_SECRET = 'demo-only-hmac-secret-not-for-production-00'; // examples/demo.yaml, partner billing
let lab: Lab;
let keys: ReturnType<typeof tempKeyFile>;
let jwks: { keys: (JsonWebKey & { kid: string; kty: string })[] };

before(async () => {
  keys = tempKeyFile();
  lab = await startLab({ edit: withKeys(keys.file) });
  jwks = (await (await fetch(`${lab.gw.adminUrl}/.well-known/jwks.json`)).json()) as typeof jwks;
});
after(async () => {
  await lab.close();
  keys.cleanup();
});

/** What the partner's server received, as a Node request. */
async function received(url: string): Promise<NodeLikeRequest & { rawHeaders: string[]; url: string }> {
  const e: EchoBody = (await viaProxy(lab.gw.proxyAddress, url)).json();
  return { method: e.method, url: e.path, headers: e.headers, rawHeaders: e.rawHeaders };
}

const SELFCARE = 'http://my.operator.example/account/caf%C3%A9?x=1&q=a%20b';
const BILLING = 'http://pay.billing.example/checkout?item=42';

function asLibraryRequest(req: NodeLikeRequest & { url: string }) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { method: req.method!, url: `http://${headers.host}${req.url}`, headers };
}

function covered(req: NodeLikeRequest): string[] {
  const input = String(req.headers['signature-input']);
  return [...input.slice(input.indexOf('(') + 1, input.indexOf(')')).matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

test('ed25519 (the default): the independent implementation verifies the gateway’s signature', async () => {
  const req = await received(SELFCARE);
  assert.deepEqual(covered(req), ['@method', '@authority', '@path', '@query', 'hedge-partner', 'x-msisdn']);
  assert.equal(req.headers['hedge-partner'], 'selfcare');
  assert.match(String(req.headers['signature-input']), /^hedge=\(.*\);created=\d+;expires=\d+;nonce="[A-Za-z0-9_-]{22}";keyid="[^"]+";alg="ed25519";tag="hedge"$/);
  const ok = await httpbis.verifyMessage(
    {
      keyLookup: async (params) => {
        const jwk = jwks.keys.find((k) => k.kid === params.keyid);
        return jwk ? { id: jwk.kid, algs: ['ed25519'], verify: createVerifier(createPublicKey({ key: jwk, format: 'jwk' }), 'ed25519') } : null;
      },
      requiredParams: ['created', 'expires', 'nonce', 'keyid', 'alg', 'tag'],
      requiredFields: ['@method', '@authority', '@path', '@query', 'hedge-partner', 'x-msisdn'],
    },
    asLibraryRequest(req),
  );
  assert.equal(ok, true);
});

test('hmac-sha256: the independent implementation verifies the gateway’s signature under the partner’s secret', async () => {
  const req = await received(BILLING);
  assert.deepEqual(covered(req), ['@method', '@authority', '@path', '@query', 'hedge-partner', 'x-subscriber-alias']);
  assert.match(String(req.headers['signature-input']), /alg="hmac-sha256"/);
  const secret = Buffer.from(HMAC_SECRET, 'base64url');
  const ok = await httpbis.verifyMessage(
    { keyLookup: async () => ({ algs: ['hmac-sha256'], verify: createVerifier(secret, 'hmac-sha256') }), requiredFields: ['@authority', 'hedge-partner', 'x-subscriber-alias'] },
    asLibraryRequest(req),
  );
  assert.equal(ok, true);
  // Under another secret it does not verify.
  const other = await httpbis
    .verifyMessage({ keyLookup: async () => ({ algs: ['hmac-sha256'], verify: createVerifier(randomBytes(32), 'hmac-sha256') }) }, asLibraryRequest(req))
    .catch(() => false);
  assert.equal(other, false);
});

test('ed25519: OpenSSL verifies the signature over the base the independent implementation builds', async () => {
  const req = await received(SELFCARE);
  const lib = asLibraryRequest(req);
  const input = String(req.headers['signature-input']);
  const params = input.slice('hedge='.length);
  const fields = covered(req);
  const base = httpbis.formatSignatureBase([...httpbis.createSignatureBase({ fields }, lib), ['"@signature-params"', [params]]]);
  const sig = Buffer.from(/^hedge=:([^:]+):$/.exec(String(req.headers.signature))![1]!, 'base64');
  const kid = /keyid="([^"]+)"/.exec(input)![1]!;
  const pem = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid)!, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  const dir = mkdtempSync(join(tmpdir(), 'hedge-openssl-'));
  try {
    writeFileSync(join(dir, 'pub.pem'), pem);
    writeFileSync(join(dir, 'base.txt'), base);
    writeFileSync(join(dir, 'sig.bin'), sig);
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'base.txt', '-sigfile', 'sig.bin'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.match(out, /Signature Verified Successfully/);
    writeFileSync(join(dir, 'base.txt'), base.replace('"@method": GET', '"@method": PUT'));
    assert.throws(() =>
      execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'base.txt', '-sigfile', 'sig.bin'], {
        cwd: dir,
        stdio: 'pipe',
        timeout: 10_000,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const kitOpts = (extra: Partial<RequestVerifyOptions> = {}): RequestVerifyOptions => ({ jwks, partnerId: 'selfcare', nonces: new MemoryNonceStore(), ...extra });

test('the kit verifies both algorithms and returns what was disclosed', async () => {
  const a = await verifyRequest(await received(SELFCARE), kitOpts());
  assert.ok(a.ok, JSON.stringify(a));
  assert.deepEqual(a.attributes, { 'x-msisdn': '+447700900123' });
  assert.equal(a.alg, 'ed25519');
  const b = await verifyRequest(await received(BILLING), { partnerId: 'billing', hmacSecret: HMAC_SECRET, nonces: new MemoryNonceStore() });
  assert.ok(b.ok, JSON.stringify(b));
  assert.equal(b.alg, 'hmac-sha256');
  assert.deepEqual(Object.keys(b.attributes), ['x-subscriber-alias']);
});

/** Changes one byte of one field line (or of the request line). */
function flipByte(s: string, at = s.length - 1): string {
  const c = s.charCodeAt(at);
  return s.slice(0, at) + String.fromCharCode(c === 0x61 ? 0x62 : c === 0x31 ? 0x32 : 0x61) + s.slice(at + 1);
}
function withHeader(req: NodeLikeRequest & { rawHeaders: string[] }, name: string, edit: (v: string) => string) {
  const raw = req.rawHeaders.map((v, i) => (i % 2 === 1 && req.rawHeaders[i - 1]!.toLowerCase() === name ? edit(v) : v));
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return { ...req, rawHeaders: raw, headers };
}

test('one changed byte in any covered component is refused with a typed reason', async () => {
  const req = await received(SELFCARE);
  const cases: [string, NodeLikeRequest, string, Partial<RequestVerifyOptions>?][] = [
    ['@method', { ...req, method: 'GEU' }, 'bad-signature'],
    ['@authority', withHeader(req, 'host', (v) => flipByte(v, 0)), 'bad-signature', { host: flipByte('my.operator.example', 0) }],
    ['@path', { ...req, url: req.url.replace('/account', '/accounu') }, 'bad-signature'],
    ['@query', { ...req, url: req.url.replace('x=1', 'x=2') }, 'bad-signature'],
    ['hedge-partner', withHeader(req, 'hedge-partner', (v) => flipByte(v)), 'bad-signature', { partnerId: flipByte('selfcare') }],
    ['x-msisdn', withHeader(req, 'x-msisdn', (v) => flipByte(v)), 'bad-signature'],
    ['Signature', withHeader(req, 'signature', (v) => flipByte(v, 10)), 'bad-signature'],
    ['Signature-Input (created)', withHeader(req, 'signature-input', (v) => v.replace(/created=(\d+)/, (_m, d: string) => `created=${Number(d) - 1}`)), 'bad-signature'],
  ];
  for (const [what, changed, reason, extra] of cases) {
    const r = await verifyRequest(changed, kitOpts(extra));
    assert.equal(!r.ok && r.reason, reason, `${what}: ${JSON.stringify(r)}`);
  }
  // And the unchanged request still verifies (the cases above consumed no nonce).
  assert.ok((await verifyRequest(req, kitOpts())).ok);
});

test('expired created/expires, not yet valid, replayed nonce, another partner, dropped @query: each refused with its reason', async () => {
  const req = await received(SELFCARE);
  const created = Number(/created=(\d+)/.exec(String(req.headers['signature-input']))![1]) * 1000;
  const expect = async (o: Partial<RequestVerifyOptions>, reason: string, r: NodeLikeRequest = req) => {
    const v = await verifyRequest(r, kitOpts(o));
    assert.equal(!v.ok && v.reason, reason, JSON.stringify(v));
  };
  await expect({ now: created + 61_000 + 30_000 }, 'expired'); // past expires (60 s) and the 30 s tolerance
  await expect({ now: created + 20_000, maxAge: 10 }, 'expired'); // created older than maxAge
  await expect({ now: created - 120_000 }, 'not-yet-valid');
  await expect({ partnerId: 'billing' }, 'wrong-partner');
  await expect(
    {},
    'not-covered',
    withHeader(req, 'signature-input', (v) => v.replace(' "@query"', '')),
  ); // a query the signature leaves out
  const noQuery = { ...req, url: req.url.slice(0, req.url.indexOf('?')) };
  await expect({}, 'bad-signature', noQuery); // a covered @query that is gone
  const store = new MemoryNonceStore();
  assert.ok((await verifyRequest(req, kitOpts({ nonces: store }))).ok);
  await expect({ nonces: store }, 'replayed');
});

test('an identity header the signature does not cover, and a spoofed Hedge-Partner, are refused', async () => {
  const req = await received(SELFCARE);
  const spoofed = { ...req, rawHeaders: [...req.rawHeaders, 'X-IMSI', '001010000000999'], headers: { ...req.headers, 'x-imsi': '001010000000999' } };
  const r = await verifyRequest(spoofed, kitOpts());
  assert.equal(!r.ok && r.reason, 'unsigned-header');
  // A client's own Hedge-Partner / Signature headers never reach the partner next to the gateway's.
  const e: EchoBody = (
    await viaProxy(lab.gw.proxyAddress, SELFCARE, { headers: { 'Hedge-Partner': 'billing', 'Signature-Input': 'hedge=("@method");tag="hedge"', Signature: 'hedge=:AAAA:' } })
  ).json();
  const count = (n: string) => e.rawHeaders.filter((x, i) => i % 2 === 0 && x.toLowerCase() === n).length;
  assert.deepEqual([count('hedge-partner'), count('signature-input'), count('signature')], [1, 1, 1]);
  assert.equal(e.headers['hedge-partner'], 'selfcare');
});

test('the kit verifies signatures made by the independent implementation (ed25519 and hmac-sha256)', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const now = Math.floor(Date.now() / 1000);
  const base = {
    method: 'GET',
    url: 'http://shop.example/basket?item=%E2%82%AC5',
    headers: { host: 'shop.example', 'hedge-partner': 'shop', 'x-msisdn': '+447700900123' } as Record<string, string>,
  };
  const signWith = (key: ReturnType<typeof createSigner>) =>
    httpbis.signMessage(
      {
        key,
        name: 'hedge',
        fields: ['@method', '@authority', '@path', '@query', 'hedge-partner', 'x-msisdn'],
        params: ['created', 'expires', 'nonce', 'keyid', 'alg', 'tag'],
        paramValues: { created: new Date(now * 1000), expires: new Date((now + 60) * 1000), nonce: randomBytes(16).toString('base64url'), tag: 'hedge' },
      },
      { ...base, headers: { ...base.headers } },
    );
  const signed = await signWith(createSigner(privateKey, 'ed25519', 'other-impl-key'));
  const asNode = (m: { headers: Record<string, string | string[]> }): NodeLikeRequest => ({
    method: 'GET',
    url: '/basket?item=%E2%82%AC5',
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), v])),
  });
  const r = await verifyRequest(asNode(signed), { partnerId: 'shop', publicKey: publicKey.export({ format: 'jwk' }) as { kty: string }, nonces: new MemoryNonceStore() });
  assert.ok(r.ok, JSON.stringify(r));
  const secret = randomBytes(32);
  const h = await signWith(createSigner(secret, 'hmac-sha256', 'shared'));
  const r2 = await verifyRequest(asNode(h), { partnerId: 'shop', hmacSecret: secret, nonces: new MemoryNonceStore() });
  assert.ok(r2.ok, JSON.stringify(r2));
  const r3 = await verifyRequest(asNode(h), { partnerId: 'shop', hmacSecret: randomBytes(32), nonces: new MemoryNonceStore() });
  assert.equal(!r3.ok && r3.reason, 'bad-signature');
});
