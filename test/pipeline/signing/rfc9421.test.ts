// The RFC 9421 signer's per-partner shortcuts give the same bytes as the
// plain construction: HMAC-SHA256 from precomputed pads equals createHmac for
// every key length (shorter than, equal to and longer than the 64-byte block)
// and every base (ASCII, UTF-8, longer than the scratch buffer); a Signer
// reused for another header list or a query rebuilds its fixed parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { HmacPads, Rfc9421Signer, rfc9421Signature, type Rfc9421Key } from '../../../src/pipeline/signing/rfc9421.js';

test('HmacPads.mac is HMAC-SHA256 (RFC 2104) for keys of every length and bases of every size', () => {
  const bases = ['', 'a', '"@method": GET\n"@authority": example.com', 'é€😀 not ASCII', 'x'.repeat(1365), 'y'.repeat(1366), 'z'.repeat(9000)];
  for (const len of [0, 1, 31, 32, 63, 64, 65, 100, 200]) {
    const secret = randomBytes(len);
    const pads = new HmacPads(secret, createSecretKey(secret.length ? secret : Buffer.alloc(1)));
    for (const b of bases) {
      // createSecretKey refuses an empty key: the reference for it is createHmac with a Buffer.
      assert.equal(pads.mac(b), createHmac('sha256', secret).update(b, 'utf8').digest('base64'), `key ${len} bytes, base ${b.length} chars`);
    }
  }
});

test('a Signer gives what a fresh one gives, across header lists, queries and keys', () => {
  const secret = randomBytes(32);
  const hmac: Rfc9421Key = { alg: 'hmac-sha256', keyid: 'hs-test', secret: createSecretKey(secret), secretBytes: secret };
  const plain: Rfc9421Key = { alg: 'hmac-sha256', keyid: 'hs-test', secret: createSecretKey(secret) };
  const reused = new Rfc9421Signer('p1', hmac);
  const cases: [string, [string, string][]][] = [
    ['/a', [['X-MSISDN', '+447700900123']]],
    ['/a?b=c', [['X-MSISDN', '+447700900123']]],
    [
      '/',
      [
        ['X-MSISDN', '+447700900123'],
        ['X-Age-Verified', 'true'],
      ],
    ],
    ['', []],
    ['/q?x', [['X-Subscriber-Alias', 'abc']]],
  ];
  for (const [target, headers] of cases) {
    const covered = headers.map(([header, value]) => ({ header, value }));
    const r = reused.sign('GET', 'http', 'Example.COM', 8080, target, covered, 1_764_000_000, 'bm9uY2Utbm9uY2Utbm9uYw');
    const fresh = rfc9421Signature({
      method: 'GET',
      scheme: 'http',
      host: 'Example.COM',
      port: 8080,
      target,
      partnerId: 'p1',
      headers,
      created: 1_764_000_000,
      nonce: 'bm9uY2Utbm9uY2Utbm9uYw',
      key: plain,
    });
    assert.deepEqual(r, fresh, `${target} ${headers.length} headers`);
  }
});
