// Issue "Signatures every partner can verify": per-partner `signature:`
// (ed25519 by default, hmac-sha256 with its own secret, hedge-v1 and off for
// deployed and legacy partners), each refused or warned with file, line and
// partner, and shown by explain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { explainRequest } from '../../src/policy/explain.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf } from '../helpers/config.js';

const SELF = '    hosts: [my.operator.example]\n';
const selfcare = (lines: string) => DEMO_YAML.replace(SELF, SELF + lines);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

test('a partner that does not say is signed with RFC 9421 ed25519; the demo has one hmac-sha256 partner', () => {
  const loaded = parseConfig(DEMO_YAML, 'demo.yaml');
  const p = compilePolicy(loaded.config, loaded.file, loaded.lineOf);
  assert.deepEqual(
    p.partners.map((x) => [x.id, x.signature]),
    [
      ['selfcare', 'ed25519'],
      ['legacy-wap', 'ed25519'],
      ['agegate', 'ed25519'],
      ['billing', 'hmac-sha256'],
    ],
  );
  assert.match(p.partners[3]!.hmac!.keyid, /^hs-[A-Za-z0-9_-]{11}$/);
  const e = explainRequest(p, 'http://my.operator.example/');
  assert.match(e.signature ?? '', /RFC 9421, ed25519 under the operator key in the JWKS, over @method, @authority, @path, @query, hedge-partner/);
  assert.match(explainRequest(p, 'http://pay.billing.example/').signature ?? '', /RFC 9421, hmac-sha256 under the partner's signatureSecret/);
});

test('hmac-sha256 without a secret, a secret without hmac-sha256, a secret equal to the sealing key, the old `required`: refused with line and reason', () => {
  let text = selfcare('    signature: hmac-sha256\n');
  let issues = issuesOf(text);
  assert.equal(issues[0]!.line, lineOf(text, 'signature: hmac-sha256'));
  assert.match(issues[0]!.message, /hmac-sha256 needs `signatureSecret:`/);

  const secret = 'c2VsZmNhcmUtc2lnbmF0dXJlLXNlY3JldC0wMTIzNDU';
  text = selfcare(`    signatureSecret: "${secret}"\n`);
  issues = issuesOf(text);
  assert.equal(issues[0]!.key, 'partners[0].signatureSecret');
  assert.match(issues[0]!.message, /only with `signature: hmac-sha256`/);

  text = selfcare(`    signature: hmac-sha256\n    signatureSecret: "${secret}"\n    key: "${secret}"\n`);
  issues = issuesOf(text);
  assert.match(issues.map((i) => i.message).join('\n'), /signatureSecret and key must differ/);
  assert.ok(!issues.some((i) => i.message.includes(secret)), 'the secret is never echoed');

  text = selfcare('    signature: required\n');
  issues = issuesOf(text);
  assert.equal(issues[0]!.line, lineOf(text, 'signature: required'));
  assert.match(issues[0]!.message, /ed25519 .*hmac-sha256 .*hedge-v1 .*off/);
});

test('hedge-v1 is warned at load with line and partner, and explain names it', () => {
  const text = selfcare('    signature: hedge-v1\n');
  const loaded = parseConfig(text, 'demo.yaml');
  const w = loaded.warnings.find((i) => i.key === 'partners[0].signature');
  assert.ok(w, JSON.stringify(loaded.warnings));
  assert.equal(w.line, lineOf(text, 'signature: hedge-v1'));
  assert.match(w.message, /partner "selfcare": signed with the earlier hedge-v1 format .*fix: move the partner to RFC 9421/);
  const p = compilePolicy(loaded.config, loaded.file, loaded.lineOf);
  assert.match(explainRequest(p, 'http://my.operator.example/').signature ?? '', /^X-Hedge-Signature \(signature: hedge-v1/);
});
