// The earlier hedge-v1 signature (selfcare set to `signature: hedge-v1` here),
// kept for partners deployed with it. Issue "Least-revealing enrichment",
// acceptance: verifyEnrichment accepts a
// request straight from the gateway and refuses the same request replayed,
// one with a header value changed, one with an added identity header, one
// signed by another key, one older than maxAge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { startLab, viaProxy, type Lab, type EchoBody } from '../helpers/gateway.js';
import { tempKeyFile, withKeys } from '../helpers/keys.js';
import { verifyEnrichment, MemoryNonceStore, type NodeLikeRequest, type VerifyOptions } from 'hedge-partner';
import { startGateway } from '../../src/node/gateway.js';
import { demoConfig } from '../helpers/gateway.js';
import { silentLogger } from '../../src/shared/log.js';

const ADMIN_TOKEN = 'signature-test-admin-bearer-0123';
let lab: Lab;
let keys: ReturnType<typeof tempKeyFile>;
let jwks: { keys: { kid?: string; kty: string; x?: string; crv?: string }[] };

before(async () => {
  keys = tempKeyFile();
  lab = await startLab({
    edit: (y) =>
      withKeys(keys.file)(y.replace('    hosts: [my.operator.example]\n', '    hosts: [my.operator.example]\n    signature: hedge-v1\n')).replace(
        'listen: 127.0.0.1:0\nsubscribers',
        `listen: 127.0.0.1:0\n  token: ${ADMIN_TOKEN}\nsubscribers`,
      ),
  });
  // The JWKS is public: no bearer token needed even though the admin API has one.
  const r = await fetch(`${lab.gw.adminUrl}/.well-known/jwks.json`);
  assert.equal(r.status, 200);
  jwks = (await r.json()) as typeof jwks;
});
after(async () => {
  await lab.close();
  keys.cleanup();
});

/** What the partner's server saw, as a Node request. */
async function received(url = 'http://my.operator.example/account?x=1'): Promise<NodeLikeRequest> {
  const e: EchoBody = (await viaProxy(lab.gw.proxyAddress, url)).json();
  return { method: e.method, url: e.path, headers: e.headers, rawHeaders: e.rawHeaders };
}

function opts(extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return { jwks, partnerId: 'selfcare', maxAge: 60, nonces: new MemoryNonceStore(), ...extra };
}

function edited(req: NodeLikeRequest, edit: (raw: string[]) => string[]): NodeLikeRequest {
  const raw = edit([...req.rawHeaders!]);
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return { ...req, rawHeaders: raw, headers };
}

test('a request straight from the gateway verifies, with the disclosed attributes', async () => {
  const req = await received();
  assert.equal(jwks.keys[0]?.kid, keys.keys.signing[0]!.kid);
  const r = await verifyEnrichment(req, opts());
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.attributes, { 'x-msisdn': '+447700900123' });
  assert.equal(r.partnerId, 'selfcare');
  // Node's parsed headers without rawHeaders work too, and so does a Fetch API Request.
  const { rawHeaders: _raw, ...plain } = await received();
  assert.ok((await verifyEnrichment(plain, opts())).ok);
  const fetchReq = await received();
  const h = new Headers();
  for (let i = 0; i < fetchReq.rawHeaders!.length; i += 2) h.append(fetchReq.rawHeaders![i]!, fetchReq.rawHeaders![i + 1]!);
  assert.ok((await verifyEnrichment(new Request(`http://my.operator.example${fetchReq.url}`, { headers: h }), opts())).ok);
});

test('the same request replayed is refused', async () => {
  const req = await received();
  const o = opts();
  assert.ok((await verifyEnrichment(req, o)).ok);
  const again = await verifyEnrichment(req, o);
  assert.equal(!again.ok && again.reason, 'replayed');
});

test('a changed header value, path or method is refused', async () => {
  const req = await received();
  const changed = edited(req, (raw) => raw.map((v, i) => (i > 0 && raw[i - 1]!.toLowerCase() === 'x-msisdn' ? '+447700900999' : v)));
  const r = await verifyEnrichment(changed, opts());
  assert.equal(!r.ok && r.reason, 'bad-signature');
  assert.equal(((await verifyEnrichment({ ...req, url: '/account?x=2' }, opts())) as { reason?: string }).reason, 'bad-signature');
  assert.equal(((await verifyEnrichment({ ...req, method: 'POST' }, opts())) as { reason?: string }).reason, 'bad-signature');
});

test('an added identity header is refused (a second X-MSISDN too)', async () => {
  const req = await received();
  const added = edited(req, (raw) => [...raw, 'X-IMSI', '001010000000999']);
  const r = await verifyEnrichment(added, opts());
  assert.equal(!r.ok && r.reason, 'unsigned-header');
  const underscore = edited(req, (raw) => [...raw, 'X_Up_Calling_Line_ID', '447700900999']);
  assert.equal(((await verifyEnrichment(underscore, opts())) as { reason?: string }).reason, 'unsigned-header');
  const dup = edited(req, (raw) => [...raw, 'X-MSISDN', '+447700900999']);
  assert.equal(((await verifyEnrichment(dup, opts())) as { reason?: string }).reason, 'unsigned-header');
  const custom = edited(req, (raw) => [...raw, 'X-Partner-User', 'someone']);
  assert.equal(((await verifyEnrichment(custom, opts({ identityHeaders: ['X-Partner-User'] }))) as { reason?: string }).reason, 'unsigned-header');
});

test('a request signed by another key is refused', async () => {
  const otherKeys = tempKeyFile();
  const gw2 = await startGateway(
    demoConfig(lab.origin, (y) => withKeys(otherKeys.file)(y.replace('    hosts: [my.operator.example]\n', '    hosts: [my.operator.example]\n    signature: hedge-v1\n'))),
    { log: silentLogger, proxyListen: '127.0.0.1:0', adminListen: '127.0.0.1:0' },
  );
  try {
    const e: EchoBody = (await viaProxy(gw2.proxyAddress, 'http://my.operator.example/')).json();
    const req = { method: e.method, url: e.path, headers: e.headers, rawHeaders: e.rawHeaders };
    const r = await verifyEnrichment(req, opts());
    assert.equal(!r.ok && r.reason, 'unknown-key', 'its kid is not in our JWKS');
    // Pinned to our public key, whatever kid it claims: the signature fails.
    const pinned = await verifyEnrichment(req, opts({ jwks: undefined, publicKey: createPublicKey({ key: { ...jwks.keys[0]!, kty: 'OKP' }, format: 'jwk' }) }));
    assert.equal(!pinned.ok && pinned.reason, 'bad-signature');
  } finally {
    await gw2.stop(100);
    otherKeys.cleanup();
  }
});

test('a request older than maxAge is refused', async () => {
  const req = await received();
  const r = await verifyEnrichment(req, opts({ now: Date.now() + 61_000 }));
  assert.equal(!r.ok && r.reason, 'expired');
});

test('wrong partner, wrong host and missing headers are refused with their reason', async () => {
  const req = await received();
  assert.equal(((await verifyEnrichment(req, opts({ partnerId: 'billing' }))) as { reason?: string }).reason, 'wrong-partner');
  assert.equal(((await verifyEnrichment(req, opts({ host: 'wap.operator.example' }))) as { reason?: string }).reason, 'wrong-host');
  const noMsisdn = edited(req, (raw) => raw.filter((_, i) => raw[i - (i % 2)]!.toLowerCase() !== 'x-msisdn'));
  assert.equal(((await verifyEnrichment(noMsisdn, opts())) as { reason?: string }).reason, 'missing-header');
  const noSig = edited(req, (raw) => raw.filter((_, i) => raw[i - (i % 2)]!.toLowerCase() !== 'x-hedge-signature'));
  assert.equal(((await verifyEnrichment(noSig, opts())) as { reason?: string }).reason, 'missing-header');
});

test('a non-partner receives no signature header', async () => {
  const e: EchoBody = (await viaProxy(lab.gw.proxyAddress, 'http://news.example/')).json();
  assert.equal(e.headers['x-hedge-signature'], undefined);
});
