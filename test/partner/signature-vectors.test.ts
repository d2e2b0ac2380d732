// The RFC 9421 test vectors published in docs/signature-vectors.json are the
// ones checked here: the gateway's signer reproduces every byte of each
// signature base and header from the vector's inputs, the kit verifies each
// vector's request, and the independent implementation verifies them too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, createSecretKey, type JsonWebKey } from 'node:crypto';
import { httpbis, createVerifier } from 'http-message-signatures';
import { rfc9421Signature, type Rfc9421Key } from '../../src/pipeline/signing/rfc9421.js';
import { verifyRequest, signatureBaseOf, MemoryNonceStore, type NodeLikeRequest } from 'hedge-partner';

interface Vector {
  name: string;
  alg: 'ed25519' | 'hmac-sha256';
  partnerId: string;
  request: { method: string; scheme: 'http' | 'https'; target: string; headers: [string, string][] };
  params: { created: number; expires: number; nonce: string; keyid: string };
  signatureBase: string;
  expectedHeaders: Record<'Hedge-Partner' | 'Signature-Input' | 'Signature', string>;
}
const doc = JSON.parse(readFileSync(new URL('../../docs/signature-vectors.json', import.meta.url), 'utf8')) as {
  keys: { ed25519: { keyid: string; publicJwk: JsonWebKey; privateJwk: JsonWebKey }; 'hmac-sha256': { keyid: string; secret: string } };
  vectors: Vector[];
};
const secret = Buffer.from(doc.keys['hmac-sha256'].secret, 'base64url');
const keys: Record<Vector['alg'], Rfc9421Key> = {
  ed25519: { alg: 'ed25519', keyid: doc.keys.ed25519.keyid, privateKey: createPrivateKey({ key: doc.keys.ed25519.privateJwk, format: 'jwk' }) },
  'hmac-sha256': { alg: 'hmac-sha256', keyid: doc.keys['hmac-sha256'].keyid, secret: createSecretKey(secret) },
};
const publicKey = createPublicKey({ key: doc.keys.ed25519.publicJwk, format: 'jwk' });

/** The vector's request as the partner receives it, signature headers included. */
function received(v: Vector): NodeLikeRequest & { socket: { encrypted: boolean } } {
  const raw = [...v.request.headers.flat(), ...Object.entries(v.expectedHeaders).flat()];
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return { method: v.request.method, url: v.request.target, headers, rawHeaders: raw, socket: { encrypted: v.request.scheme === 'https' } };
}

test('the file has the cases the docs promise', () => {
  assert.ok(doc.vectors.length >= 4);
  const all = doc.vectors.map((v) => v.name + v.request.target + v.request.headers[0]![1]).join('\n');
  for (const what of ['?', '%', '[2001:db8::7]:8443', 'xn--', 'hmac-sha256', 'ed25519']) assert.ok(all.includes(what), what);
});

for (const v of doc.vectors) {
  test(`vector "${v.name}": the gateway's signer reproduces it byte for byte`, () => {
    const [host, port] = ((a) => {
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(a)!;
      return [m[1]!.replace(/^\[|\]$/g, ''), m[2] ? Number(m[2]) : v.request.scheme === 'https' ? 443 : 80] as const;
    })(v.request.headers[0]![1]);
    const r = rfc9421Signature({
      method: v.request.method,
      scheme: v.request.scheme,
      host,
      port,
      target: v.request.target,
      partnerId: v.partnerId,
      headers: v.request.headers.slice(1),
      created: v.params.created,
      nonce: v.params.nonce,
      key: keys[v.alg],
    });
    assert.equal(r.base, v.signatureBase);
    assert.deepEqual({ 'Hedge-Partner': r.partner, 'Signature-Input': r.signatureInput, Signature: r.signature }, v.expectedHeaders);
  });

  test(`vector "${v.name}": the kit rebuilds the base and verifies; the independent implementation verifies`, async () => {
    const req = received(v);
    assert.equal(signatureBaseOf(req, 'hedge'), v.signatureBase);
    const r = await verifyRequest(req, { partnerId: v.partnerId, publicKey, hmacSecret: secret, now: v.params.created * 1000, nonces: new MemoryNonceStore() });
    assert.ok(r.ok, JSON.stringify(r));
    const lib = { method: v.request.method, url: `${v.request.scheme}://${v.request.headers[0]![1]}${v.request.target}`, headers: req.headers as Record<string, string> };
    const ok = await httpbis.verifyMessage(
      {
        keyLookup: async () => ({ algs: [v.alg], verify: v.alg === 'ed25519' ? createVerifier(publicKey, 'ed25519') : createVerifier(secret, 'hmac-sha256') }),
        notAfter: v.params.created,
        tolerance: 10 ** 9,
      },
      lib,
    );
    assert.equal(ok, true);
  });
}
