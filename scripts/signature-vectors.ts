// Writes docs/signature-vectors.json: RFC 9421 test vectors in hedge's profile,
// made by the gateway's own signer (src/pipeline/signing/rfc9421.ts) with
// fixed keys, times and nonces. test/partner/signature-vectors.test.ts checks
// that the file still matches the signer and that the kit verifies each one.
//   npx tsx scripts/signature-vectors.ts > docs/signature-vectors.json
import { createHash, createPrivateKey, createSecretKey } from 'node:crypto';
import { rfc9421Signature, type Rfc9421Key } from '../src/pipeline/signing/rfc9421.js';
import { hmacKeyId } from '../src/keys/material.js';

// RFC 9421 Appendix B.1.4's Ed25519 test key: public, for test vectors only.
const ED25519 = { kty: 'OKP', crv: 'Ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs', d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU' };
const HMAC_SECRET = createHash('sha256').update('hedge signature test vectors: hmac-sha256 secret').digest();

const keys: Record<'ed25519' | 'hmac-sha256', Rfc9421Key> = {
  ed25519: { alg: 'ed25519', keyid: 'test-key-ed25519', privateKey: createPrivateKey({ key: ED25519, format: 'jwk' }) },
  'hmac-sha256': { alg: 'hmac-sha256', keyid: hmacKeyId(HMAC_SECRET), secret: createSecretKey(HMAC_SECRET) },
};

interface Case {
  name: string;
  alg: 'ed25519' | 'hmac-sha256';
  method: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  target: string;
  partnerId: string;
  enriched: [string, string][];
  created: number;
  nonce: string;
}

const CASES: Case[] = [
  {
    name: 'ed25519: query string and percent-encoded UTF-8 in path and query',
    alg: 'ed25519',
    method: 'GET',
    scheme: 'http',
    host: 'my.operator.example',
    port: 80,
    target: '/account/caf%C3%A9?item=%E2%82%AC5&note=a%20b',
    partnerId: 'selfcare',
    enriched: [['X-MSISDN', '+447700900123']],
    created: 1764067200,
    nonce: 'AAECAwQFBgcICQoLDA0ODw',
  },
  {
    name: 'hmac-sha256: IPv6 authority with a port, POST, two enriched headers, no query',
    alg: 'hmac-sha256',
    method: 'POST',
    scheme: 'https',
    host: '2001:db8::7',
    port: 8443,
    target: '/api/v1/verify',
    partnerId: 'agegate',
    enriched: [
      ['X-Age-Verified', 'yes'],
      ['X-Subscriber', 'yes'],
    ],
    created: 1764067201,
    nonce: 'EBESExQVFhcYGRobHB0eHw',
  },
  {
    name: 'hmac-sha256: non-ASCII host (IDN, as its A-label) and non-ASCII query value (UTF-8, percent-encoded), pseudonym',
    alg: 'hmac-sha256',
    method: 'GET',
    scheme: 'https',
    host: 'xn--bcher-kva.example',
    port: 443,
    target: '/b%C3%BCcher/suche?titel=M%C3%BCller%20%26%20S%C3%B6hne&seite=2',
    partnerId: 'billing',
    enriched: [['X-Subscriber-Alias', 'pN0TmWJ5x0o6r7qg9JwYzq3u8t2lQ1cV4bHk6sXaD0E']],
    created: 1764067202,
    nonce: 'ICEiIyQlJicoKSorLC0uLw',
  },
  {
    name: 'ed25519: default https port omitted, empty query kept ("?"), sealed value',
    alg: 'ed25519',
    method: 'GET',
    scheme: 'https',
    host: 'verify.idcheck.example',
    port: 443,
    target: '/check?',
    partnerId: 'idcheck',
    enriched: [['X-MSISDN-Sealed', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA']],
    created: 1764067203,
    nonce: 'MDEyMzQ1Njc4OTo7PD0-Pw',
  },
];

const vectors = CASES.map((c) => {
  const r = rfc9421Signature({
    method: c.method,
    scheme: c.scheme,
    host: c.host,
    port: c.port,
    target: c.target,
    partnerId: c.partnerId,
    headers: c.enriched,
    created: c.created,
    nonce: c.nonce,
    key: keys[c.alg],
  });
  const authority = r.base
    .split('\n')
    .find((l) => l.startsWith('"@authority": '))!
    .slice('"@authority": '.length);
  return {
    name: c.name,
    alg: c.alg,
    partnerId: c.partnerId,
    request: { method: c.method, scheme: c.scheme, target: c.target, headers: [['Host', authority], ...c.enriched] },
    params: { created: c.created, expires: c.created + 60, nonce: c.nonce, keyid: keys[c.alg].keyid },
    signatureBase: r.base,
    expectedHeaders: { 'Hedge-Partner': r.partner, 'Signature-Input': r.signatureInput, Signature: r.signature },
  };
});

const doc = {
  about:
    "RFC 9421 HTTP Message Signatures in hedge's profile (docs/partners.md). For each vector: the request as the partner receives it (before the three signature headers), the key, the signature base (lines joined by LF, no trailing LF) and the headers the gateway adds. Ed25519 is deterministic, so an implementation must reproduce every byte. Checked by test/partner/signature-vectors.test.ts.",
  keys: {
    ed25519: {
      keyid: 'test-key-ed25519',
      note: 'the RFC 9421 Appendix B.1.4 test key; never use it for anything else',
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: ED25519.x },
      privateJwk: ED25519,
    },
    'hmac-sha256': {
      keyid: keys['hmac-sha256'].keyid,
      note: 'a test secret: SHA-256 of "hedge signature test vectors: hmac-sha256 secret"',
      secret: HMAC_SECRET.toString('base64url'),
    },
  },
  vectors,
};
process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
