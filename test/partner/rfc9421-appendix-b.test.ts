// RFC 9421's own published test cases that apply to hedge's algorithms:
// Appendix B.2.5 (hmac-sha256, key test-shared-secret) and B.2.6 (ed25519,
// key test-key-ed25519) over the Appendix B.2 test-request. The kit must
// rebuild the exact signature base from the request and the Signature-Input
// and the published signatures must verify over it. (Transcribed from the RFC
// text by hand; the keys are the RFC's test keys, Appendix B.1.4 and B.1.5.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { signatureBaseOf, type NodeLikeRequest } from 'hedge-partner';

const TEST_REQUEST = (signatureInput: string, signature: string): NodeLikeRequest => ({
  method: 'POST',
  url: '/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
    'signature-input': signatureInput,
    signature,
  },
});

const sigBytes = (sig: string) => Buffer.from(/=:([^:]+):$/.exec(sig)![1]!, 'base64');

test('B.2.6 ed25519 (test-key-ed25519): the kit rebuilds the base and the published signature verifies', () => {
  const input = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
  const signature = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';
  const expected = [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@method": POST',
    '"@path": /foo',
    '"@authority": example.com',
    '"content-type": application/json',
    '"content-length": 18',
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
  ].join('\n');
  const base = signatureBaseOf(TEST_REQUEST(input, signature), 'sig-b26');
  assert.equal(base, expected);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' }, format: 'jwk' });
  assert.ok(verify(null, Buffer.from(base), key, sigBytes(signature)));
  assert.ok(!verify(null, Buffer.from(base.replace('POST', 'PUT')), key, sigBytes(signature)));
});

test('B.2.5 hmac-sha256 (test-shared-secret): the kit rebuilds the base and the published signature matches', () => {
  const input = 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"';
  const signature = 'sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:';
  const expected = [
    '"date": Tue, 20 Apr 2021 02:07:55 GMT',
    '"@authority": example.com',
    '"content-type": application/json',
    '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
  ].join('\n');
  const base = signatureBaseOf(TEST_REQUEST(input, signature), 'sig-b25');
  assert.equal(base, expected);
  const secret = Buffer.from('uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==', 'base64');
  assert.deepEqual(createHmac('sha256', secret).update(base).digest(), sigBytes(signature));
});

test('B.2.6 with the query covered: @query is "?" plus the query exactly as received', () => {
  const input = 'q=("@query" "@path");created=1618884473;keyid="k"';
  assert.equal(
    signatureBaseOf(TEST_REQUEST(input, 'q=:AA==:'), 'q'),
    '"@query": ?param=Value&Pet=dog\n"@path": /foo\n"@signature-params": ("@query" "@path");created=1618884473;keyid="k"',
  );
});
