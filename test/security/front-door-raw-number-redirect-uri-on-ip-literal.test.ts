// Threat: the raw number handed to whoever answers on an address rather than
// to the partner. A front-door client with `device-phone-number:read` (the
// raw number) may not register a redirect URI on an IP literal or a public
// suffix: the lint refuses the config. It judged only dotted IPv4: a URI on
// an IPv6 literal (https://[2001:db8::7]/cb, https://[::1]/cb, the
// IPv4-mapped https://[::ffff:203.0.113.7]/cb) was skipped without a word,
// because the host-pattern parser the lint used does not take IPv6, and a
// name under `.localhost` (RFC 6761: loopback; on a phone, any app listening
// there gets the redirect and its code) passed as an ordinary domain. Each is
// now an error for a raw-number client and a warning for the others, like
// the IPv4 literal; a host name the partner owns is still accepted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { issuesOf } from '../helpers/config.js';

const JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'bank-1' };

const yaml = (redirect: string, scope: string) => `operator: { name: Lab, country: GB }
partners:
  - id: bank
    name: Lab Bank
    purpose: fraud prevention
    hosts: [bank.example]
    frontDoor:
      clientId: bank
      jwks: { keys: [${JSON.stringify(JWK)}] }
      redirectUris: ["https://bank.example/callback", "${redirect}"]
      scopes: [${scope}]
      purpose: dpv:FraudPreventionAndDetection
frontDoor: { cert: cert.pem, key: key.pem }
`;

const KEY = 'partners[0].frontDoor.redirectUris[1]';

describe('front-door redirect URIs on an address, for a client that may read the raw number', () => {
  for (const [uri, says] of [
    ['https://[2001:db8::7]/callback', /IP literal/],
    ['https://[::1]:8443/callback', /IP literal/],
    ['https://[::ffff:203.0.113.7]/callback', /IP literal/],
    ['https://app.localhost/callback', /loopback/],
    ['https://localhost./callback', /loopback/],
  ] as const) {
    it(`${uri}: an error with device-phone-number:read, a warning with verify only`, () => {
      const raw = issuesOf(yaml(uri, 'number-verification:device-phone-number:read')).filter((i) => i.key === KEY);
      assert.equal(raw.length, 1, `one issue for ${uri}`);
      assert.equal(raw[0]!.severity, 'error');
      assert.match(raw[0]!.message, says);
      assert.match(raw[0]!.message, /raw number/);
      const loaded = parseConfig(yaml(uri, 'number-verification:verify'), 'ok.yaml');
      assert.ok(
        loaded.warnings.some((w) => w.key === KEY && says.test(w.message)),
        `a warning for ${uri}`,
      );
    });
  }

  it('a host name the partner owns is accepted without a word, IPv4 literals are still refused', () => {
    const ok = parseConfig(yaml('https://app.bank.example/callback', 'number-verification:device-phone-number:read'), 'ok.yaml');
    assert.ok(!ok.warnings.some((w) => w.key === KEY));
    const v4 = issuesOf(yaml('https://203.0.113.7/callback', 'number-verification:device-phone-number:read')).filter((i) => i.key === KEY);
    assert.equal(v4[0]?.severity, 'error');
  });
});
