// Threat: a front door that advertises endpoints it does not serve. An
// `frontDoor.issuer` with a path (https://auth.example/auth) was accepted by
// the config; discovery then named /auth/token and /auth/authorize while the
// routes are fixed at the root, and OIDC discovery looks for the metadata
// under /auth/.well-known/… — every partner integration broke, at runtime,
// with 404s. The front door serves its endpoints at the root of its host, so
// an issuer with a path is now refused when the config is read, with file,
// line and key; an issuer without one still starts and answers (the lab).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { api, startFrontDoorLab } from '../helpers/front-door.js';

const config = (issuer: string) => `operator: { name: Lab Mobile, country: GB }
frontDoor:
  listen: 127.0.0.1:0
  cert: leaf.pem
  key: leaf.key
  issuer: ${issuer}
`;

describe('frontDoor.issuer', () => {
  for (const issuer of ['https://auth.example/auth', 'https://auth.example:8443/oidc/', 'https://auth.example/%2e%2e'])
    it(`with a path is refused when the config is read: ${issuer}`, () => {
      assert.throws(
        () => parseConfig(config(issuer), '/etc/hedge/hedge.yaml'),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          const text = String(e);
          assert.match(text, /\/etc\/hedge\/hedge\.yaml:6:\d+ error frontDoor\.issuer: the issuer has a path/);
          assert.match(text, /at the root of its host/);
          return true;
        },
      );
    });

  it('without a path (with or without the trailing slash) is accepted, and the lab serves discovery at the issuer', async () => {
    for (const issuer of ['https://auth.example', 'https://auth.example:8443/']) assert.doesNotThrow(() => parseConfig(config(issuer), '/etc/hedge/hedge.yaml'));
    const lab = await startFrontDoorLab();
    try {
      const d = await api(lab, 'GET', '/.well-known/openid-configuration');
      assert.equal(d.status, 200);
      assert.equal(d.json.token_endpoint, `${lab.issuer}/token`);
    } finally {
      await lab.close();
    }
  });
});
