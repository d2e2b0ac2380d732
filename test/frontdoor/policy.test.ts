// The front door in the policy tools: config errors by file, line and key;
// `device-phone-number:read` judged as a raw number disclosure by the lints;
// `policy diff` and `policy explain` covering scopes like header grants.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { diffPolicies } from '../../src/policy/diff.js';
import { explainFrontDoorClient } from '../../src/policy/explain-front-door.js';
import { issuesOf, lineOf } from '../helpers/config.js';
import { hedgeCli } from '../helpers/audit.js';

const JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'bank-1' };

function yaml(o: { scopes?: string[]; redirect?: string; jwks?: string; extraPartner?: string; frontDoor?: boolean } = {}): string {
  return `operator: { name: Lab, country: GB }
partners:
  - id: bank
    name: Lab Bank
    purpose: fraud prevention
    hosts: [bank.example]
    frontDoor:
      clientId: bank
      ${o.jwks ?? `jwks: { keys: [${JSON.stringify(JWK)}] }`}
      redirectUris: ["${o.redirect ?? 'https://bank.example/callback'}"]
      scopes: ${JSON.stringify(o.scopes ?? ['number-verification:verify'])}
      purpose: dpv:FraudPreventionAndDetection
${o.extraPartner ?? ''}${o.frontDoor === false ? '' : 'frontDoor: { cert: cert.pem, key: key.pem }\n'}`;
}

describe('front door in the policy: config, lints, diff, explain', () => {
  it('an unknown scope, a private key in the JWKS, both jwks and jwksFile, an http redirect: refused by file, line and key', () => {
    const badScope = yaml({ scopes: ['number-verification:everything'] });
    const i1 = issuesOf(badScope);
    assert.equal(i1[0]!.key, 'partners[0].frontDoor.scopes[0]');
    assert.equal(i1[0]!.line, lineOf(badScope, 'scopes:'));
    assert.match(i1[0]!.message, /unknown scope/);
    const priv = yaml({ jwks: `jwks: { keys: [${JSON.stringify({ ...JWK, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' })}] }` });
    assert.match(issuesOf(priv)[0]!.message, /PRIVATE key/);
    const both = yaml({ jwks: `jwks: { keys: [${JSON.stringify(JWK)}] }\n      jwksFile: bank.jwks` });
    assert.match(issuesOf(both)[0]!.message, /exactly one of "jwks"/);
    const http = yaml({ redirect: 'http://bank.example/callback' });
    const i4 = issuesOf(http);
    assert.equal(i4[0]!.key, 'partners[0].frontDoor.redirectUris[0]');
    assert.match(i4[0]!.message, /https/);
  });

  it('a JWKS file that cannot be read: the error code in words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hedge-jwks-'));
    try {
      const file = join(dir, 'hedge.yaml');
      writeFileSync(file, yaml({ jwks: `jwksFile: ${join(dir, 'missing.jwks')}` }));
      const r = await hedgeCli(['policy', 'validate', file]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, /cannot read the JWKS file: ENOENT \(no such file or directory\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two partners with one client id: refused', () => {
    const text = yaml({
      extraPartner: `  - id: bank2\n    name: Other\n    purpose: x\n    hosts: [bank2.example]\n    frontDoor: { clientId: bank, jwks: { keys: [${JSON.stringify(JWK)}] }, redirectUris: ["https://bank2.example/cb"], scopes: [number-verification:verify], purpose: dpv:FraudPreventionAndDetection }\n`,
    });
    const i = issuesOf(text);
    assert.ok(i.some((x) => x.key === 'partners[1].frontDoor.clientId' && /already used/.test(x.message)));
  });

  it('device-phone-number:read is a raw number: redirect URIs on an IP literal or public suffix are an error (a warning for other scopes)', () => {
    const raw = yaml({ scopes: ['number-verification:device-phone-number:read'], redirect: 'https://203.0.113.7/callback' });
    const i = issuesOf(raw);
    assert.equal(i[0]!.key, 'partners[0].frontDoor.redirectUris[0]');
    assert.equal(i[0]!.severity, 'error');
    assert.match(i[0]!.message, /raw number/);
    const match = parseConfig(yaml({ redirect: 'https://203.0.113.7/callback' }), 'ok.yaml');
    assert.ok(match.warnings.some((w) => w.key === 'partners[0].frontDoor.redirectUris[0]'));
    const noListener = parseConfig(yaml({ frontDoor: false }), 'ok.yaml');
    assert.ok(noListener.warnings.some((w) => w.key === 'partners[0].frontDoor' && /no `frontDoor:` listener/.test(w.message)));
  });

  it('policy diff: a new scope is a widening of its own, device-phone-number is msisdn raw; removing it narrows', () => {
    const before = compilePolicy(parseConfig(yaml(), 'a.yaml').config, 'a.yaml', undefined, { material: false });
    const after = compilePolicy(
      parseConfig(yaml({ scopes: ['number-verification:verify', 'number-verification:device-phone-number:read'] }), 'b.yaml').config,
      'b.yaml',
      undefined,
      { material: false },
    );
    const d = diffPolicies(before, after);
    assert.equal(d.summary.widens, true);
    assert.deepEqual(
      d.changes.map((c) => [c.host, c.attribute, c.kind, c.after?.form]),
      [['front-door client bank number-verification:device-phone-number:read', 'msisdn', 'newly-disclosed', 'raw']],
    );
    const back = diffPolicies(after, before);
    assert.equal(back.summary.widens, false);
    assert.equal(back.changes[0]!.kind, 'no-longer-disclosed');
  });

  it('policy explain --client: each scope with attribute, form, answer and rule; the pairwise sub', async () => {
    const text = yaml({ scopes: ['number-verification:verify', 'kyc-age-verification:verify'] });
    const e = explainFrontDoorClient(compilePolicy(parseConfig(text, 'p.yaml').config, 'p.yaml', parseConfig(text, 'p.yaml').lineOf), 'bank', {
      subscriber: { msisdn: '+447700900123' },
    });
    assert.deepEqual(
      e.disclosures.map((x) => [x.scope, x.attribute, x.form]),
      [
        ['openid:sub', 'msisdn', 'pseudonym'],
        ['number-verification:verify', 'msisdn', 'match'],
        ['kyc-age-verification:verify', 'age-verified', 'claim'],
      ],
    );
    assert.equal(e.partner.rule, `p.yaml:${lineOf(text, 'clientId: bank')}`);
    assert.equal(e.idTokenAlg, 'RS256', "OIDC's default when the client sets none");
    assert.ok(!JSON.stringify(e).includes('447700900123'));
    const dir = mkdtempSync(join(tmpdir(), 'hedge-fd-explain-'));
    try {
      const file = join(dir, 'p.yaml');
      writeFileSync(file, text);
      const r = await hedgeCli(['policy', 'explain', '--client', 'bank', '-c', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /POST \/number-verification\/v2\/verify: .*\[msisdn, match\] scope number-verification:verify/);
      assert.match(r.stdout, /id_token sub: .*\[msisdn, pseudonym\]/);
      assert.match(r.stdout, /id token +signed RS256 \(idTokenSignedResponseAlg\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
