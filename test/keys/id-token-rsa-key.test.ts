// The operator's RSA key for RS256 ID tokens: made, rotated and published like
// the Ed25519 signing key (the key file, a thumbprint kid, the front door's
// JWKS, `hedge keys rotate` with an overlap), never in the YAML, never smaller
// than 2048 bits (a smaller one is refused at load: file, line and key), and
// required only when a front-door client gets RS256 ID tokens.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { ConfigError } from '../../src/shared/errors.js';
import { generateKeyFile, idTokenJwks, publicJwks, rotateKeyFile, writeKeyFile, type KeyFile } from '../../src/keys/keyfile.js';
import { lineOf } from '../helpers/config.js';

const JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'bank-1' };
const dir = mkdtempSync(join(tmpdir(), 'hedge-rsa-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function config(alg?: 'RS256' | 'EdDSA'): string {
  return `operator: { name: Lab, country: GB }
keys:
  file: keys.json
partners:
  - id: bank
    name: Lab Bank
    purpose: fraud prevention
    hosts: [bank.example]
    frontDoor:
      clientId: bank
      jwks: { keys: [${JSON.stringify(JWK)}] }
      redirectUris: ["https://bank.example/callback"]
      scopes: [number-verification:verify]
      purpose: dpv:FraudPreventionAndDetection${alg ? `\n      idTokenSignedResponseAlg: ${alg}` : ''}
`;
}

/** Compiles `text` as <dir>/hedge.yaml with `kf` as its key file: the config error when refused. */
function load(text: string, kf: KeyFile) {
  writeKeyFile(join(dir, 'keys.json'), kf, true);
  const file = join(dir, 'hedge.yaml');
  writeFileSync(file, text);
  const parsed = parseConfig(text, file);
  try {
    return { policy: compilePolicy(parsed.config, file, parsed.lineOf), error: undefined };
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return { policy: undefined, error: err };
  }
}

describe('the RSA ID-token key', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const kf = generateKeyFile(t0);

  it('is made with the key file: 2048 bits, a thumbprint kid, published in the front door JWKS only', () => {
    const rsa = kf.idTokenRsa![0]!;
    assert.equal(createPublicKey({ key: rsa.jwk, format: 'jwk' }).asymmetricKeyDetails!.modulusLength, 2048);
    assert.match(rsa.kid, /^[A-Za-z0-9_-]{16}$/);
    const published = idTokenJwks(kf, t0).keys;
    assert.deepEqual(
      published.map((k) => [k.kty, k.alg, k.kid]),
      [
        ['OKP', 'EdDSA', kf.signing[0]!.kid],
        ['RSA', 'RS256', rsa.kid],
      ],
    );
    assert.ok(
      published.every((k) => !('d' in k) && !('p' in k)),
      'public members only',
    );
    // The admin JWKS (enrichment signatures) is unchanged: Ed25519 only.
    assert.deepEqual(
      publicJwks(kf, t0).keys.map((k) => k.kty),
      ['OKP'],
    );
  });

  it('rotates like the signing key: the new one signs, the old one stays published for the overlap', () => {
    const day = 86_400_000;
    const next = rotateKeyFile(kf, 7 * day, t0 + day);
    const [fresh, old] = next.idTokenRsa!;
    assert.equal(old!.kid, kf.idTokenRsa![0]!.kid);
    assert.equal(old!.expires, new Date(t0 + 8 * day).toISOString());
    assert.notEqual(fresh!.kid, old!.kid);
    assert.deepEqual(
      idTokenJwks(next, t0 + 2 * day)
        .keys.filter((k) => k.kty === 'RSA')
        .map((k) => k.kid),
      [fresh!.kid, old!.kid],
    );
    assert.deepEqual(
      idTokenJwks(next, t0 + 9 * day)
        .keys.filter((k) => k.kty === 'RSA')
        .map((k) => k.kid),
      [fresh!.kid],
    );
    const { policy } = load(config(), next);
    assert.equal(policy!.material!.idTokenRsa!.kid, fresh!.kid, 'the newest signs');
  });

  it('a key file written before RSA keys: refused for an RS256 client (file, line, key, the fix); fine for an EdDSA one; `rotate` adds one', () => {
    const { idTokenRsa: _, ...older } = generateKeyFile(t0, { idTokenRsa: false });
    const text = config();
    const refused = load(text, older).error;
    assert.ok(refused, 'refused');
    const issue = refused.issues[0]!;
    assert.equal(issue.key, 'keys.file');
    assert.equal(issue.file, join(dir, 'hedge.yaml'));
    assert.equal(issue.line, lineOf(text, 'file: keys.json'));
    assert.match(issue.message, /partner "bank" gets RS256 ID tokens .* no RSA ID-token key .*hedge keys rotate.*idTokenSignedResponseAlg: EdDSA/);
    const eddsa = load(config('EdDSA'), older);
    assert.equal(eddsa.error, undefined);
    assert.equal(eddsa.policy!.material!.idTokenRsa, undefined);
    assert.equal(eddsa.policy!.clients.get('bank')!.frontDoor!.idTokenAlg, 'EdDSA');
    const rotated = rotateKeyFile(older, 86_400_000, t0);
    assert.equal(rotated.idTokenRsa!.length, 1);
    assert.equal(load(text, rotated).error, undefined);
  });

  it('an RSA key under 2048 bits is refused at load with file, line and key, even while only published', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const small = {
      kid: 'small-1024',
      created: new Date(t0).toISOString(),
      jwk: { kty: 'RSA' as const, n: jwk.n!, e: jwk.e!, d: jwk.d!, p: jwk.p!, q: jwk.q!, dp: jwk.dp!, dq: jwk.dq!, qi: jwk.qi! },
    };
    const text = config('EdDSA');
    for (const idTokenRsa of [[small], [kf.idTokenRsa![0]!, small]]) {
      const refused = load(text, { ...kf, idTokenRsa }).error;
      assert.ok(refused, 'refused');
      const issue = refused.issues[0]!;
      assert.equal(issue.key, 'keys.file');
      assert.equal(issue.file, join(dir, 'hedge.yaml'));
      assert.equal(issue.line, lineOf(text, 'file: keys.json'));
      assert.match(issue.message, /RSA ID-token key small-1024 in keys\.json has 1024 bits; RS256 needs at least 2048/);
      assert.ok(!issue.message.includes(jwk.d!.slice(0, 12)), 'no key material in the message');
    }
  });
});
