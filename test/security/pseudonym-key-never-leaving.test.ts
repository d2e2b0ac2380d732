// Threat: the pseudonym key leaves the operator. A pseudonym is an HMAC of
// the subscriber's number; whoever holds its key recovers the number by
// enumerating the numbering plan (about 40 core-minutes for every UK mobile).
// So the key must stay with the operator: derived per partner from the
// operator's key file (HKDF-SHA256, salt "hedge-pseudonym-v1", info = partner
// id), never configured per partner (a `secret:` the docs once told partners
// was "their own"), never reused as a key a partner does receive (its sealing
// key, its hmac-sha256 signature secret), never shown by an admin endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile, rotateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway } from '../../src/node/gateway.js';
import { silentLogger } from '../../src/shared/log.js';
import { demoConfig, DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { issuesOf } from '../helpers/config.js';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { tempKeyFile, withKeys } from '../helpers/keys.js';

const SUBSCRIBER = '+447700900123';
let origin: EchoOrigin;
let keys: ReturnType<typeof tempKeyFile>;
before(async () => {
  origin = await startEchoOrigin('127.0.0.1', 0);
  keys = tempKeyFile();
});
after(async () => {
  await origin.close();
  keys.cleanup();
});

/** The operator's pseudonym root, read from the key file as an operator would. */
function pseudonymRoot(file: string): Buffer {
  const kf = JSON.parse(readFileSync(file, 'utf8')) as { pseudonym?: { key?: string } };
  assert.ok(kf.pseudonym?.key, 'the key file holds a pseudonym root key');
  return Buffer.from(kf.pseudonym.key, 'base64url');
}
const derived = (root: Buffer, partnerId: string) => Buffer.from(hkdfSync('sha256', root, 'hedge-pseudonym-v1', partnerId, 32));
const hmac = (key: Buffer | string, v: string) => createHmac('sha256', key).update(v).digest('base64url');

/** What a dishonest partner does with every key it holds: HMAC the numbers of a block until one matches. */
function enumerate(pseudonym: string, partnerKeys: (Buffer | string)[]): string | undefined {
  for (const k of partnerKeys)
    for (let n = 0; n < 1000; n++) {
      const candidate = `+447700900${String(n).padStart(3, '0')}`;
      if (hmac(k, candidate) === pseudonym) return candidate;
    }
  return undefined;
}

/** The demo's billing partner with everything a partner may be given: a sealing key and an hmac-sha256 signature secret. */
const SEAL_KEY = randomBytes(32).toString('base64url');
const SIG_SECRET = randomBytes(32).toString('base64url');

test('a partner holding every key it is given cannot recover the number from its pseudonym', async () => {
  const text = withKeys(keys.file)(DEMO_YAML);
  // Whatever the config hands the billing partner (a `secret:` if the config still has one, its signature secret).
  const given: (Buffer | string)[] = [Buffer.from(SEAL_KEY, 'base64url'), Buffer.from(SIG_SECRET, 'base64url')];
  const demoSecret = /\n {4}signatureSecret: "([^"]+)"/.exec(text)?.[1];
  if (demoSecret !== undefined) given.push(Buffer.from(demoSecret, 'base64url'));
  const secret = /\n {4}secret: "([^"]+)"/.exec(text)?.[1];
  if (secret !== undefined) given.push(secret);
  const gw = await startGateway(demoConfig(origin, withKeys(keys.file)), { log: silentLogger });
  try {
    const e = (await viaProxy(gw.proxyAddress, 'http://pay.billing.example/')).json();
    const alias = e.headers['x-subscriber-alias'];
    assert.equal(typeof alias, 'string', 'the billing partner receives a pseudonym');
    assert.equal(enumerate(alias as string, given), undefined, 'no key the partner holds turns its pseudonym back into the number');
    // The operator, who holds the key file, can: the alias is HMAC under the key derived for this partner.
    assert.equal(alias, hmac(derived(pseudonymRoot(keys.file), 'billing'), SUBSCRIBER));
  } finally {
    await gw.stop(100);
  }
});

test('a config that gives a partner its own pseudonym secret is refused, naming the line and the reason', () => {
  const text = DEMO_YAML.replace('    hosts: [pay.billing.example]\n', '    hosts: [pay.billing.example]\n    secret: "a-partner-held-secret-0123456789abcdef"\n');
  const issues = issuesOf(text);
  const line = text.split('\n').findIndex((l) => l.includes('secret: "a-partner-held')) + 1;
  const hit = issues.find((i) => i.line === line);
  assert.ok(hit, JSON.stringify(issues));
  assert.match(hit.message, /operator/);
});

test('the lints refuse a pseudonym key that is also a partner’s sealing key or hmac-sha256 signature secret', () => {
  const root = pseudonymRoot(keys.file);
  const billingKey = derived(root, 'billing').toString('base64url');
  const base = withKeys(keys.file)(DEMO_YAML);
  const cases: [string, string][] = [
    ['sealing key = the partner’s derived pseudonym key', `    key: "${billingKey}"\n`],
    ['sealing key = the operator’s pseudonym root', `    key: "${root.toString('base64url')}"\n`],
  ];
  const withLines = (lines: string) => (t: string) => t.replace('    hosts: [pay.billing.example]\n', `    hosts: [pay.billing.example]\n${lines}`);
  const edits: [string, (t: string) => string][] = cases.map(([what, lines]) => [what, withLines(lines)]);
  // The demo's billing partner signs with hmac-sha256: its signature secret set to its pseudonym key.
  edits.push(['signature secret = the partner’s derived pseudonym key', (t) => t.replace(/signatureSecret: "[^"]+"/, `signatureSecret: "${billingKey}"`)]);
  for (const [what, edit] of edits) {
    const text = edit(base);
    let refused: string | undefined;
    try {
      compileAsStartDoes(text);
    } catch (err) {
      refused = String((err as Error).message);
    }
    assert.ok(refused !== undefined, `${what}: refused`);
    assert.match(refused, /pseudonym/, what);
    assert.ok(!refused.includes(billingKey) && !refused.includes(root.toString('base64url')), `${what}: the message never shows the key`);
  }
});

test('the pseudonym key appears in no admin answer and no partner-facing document', async () => {
  const gw = await startGateway(demoConfig(origin, withKeys(keys.file)), { log: silentLogger });
  try {
    const root = pseudonymRoot(keys.file);
    const secrets = [root.toString('base64url'), derived(root, 'billing').toString('base64url'), root.toString('hex')];
    for (const path of ['/policy', '/.well-known/jwks.json']) {
      const body = await (await fetch(`${gw.adminUrl}${path}`)).text();
      for (const s of secrets) assert.ok(!body.includes(s), `${path} does not show the pseudonym key`);
    }
  } finally {
    await gw.stop(100);
  }
  const docs = readFileSync(new URL('../../docs/partners.md', import.meta.url), 'utf8');
  assert.doesNotMatch(docs, /your own secret/i, 'the partner docs no longer tell partners they hold the pseudonym key');
});

test('pseudonyms are stable for one operator key file and unlinkable across partners and operators', () => {
  const root = pseudonymRoot(keys.file);
  const other = tempKeyFile();
  try {
    assert.notEqual(hmac(derived(root, 'billing'), SUBSCRIBER), hmac(derived(root, 'shop'), SUBSCRIBER));
    assert.notEqual(hmac(derived(root, 'billing'), SUBSCRIBER), hmac(derived(pseudonymRoot(other.file), 'billing'), SUBSCRIBER));
  } finally {
    other.cleanup();
  }
});

/** Loads and compiles a config, key material included, the way `hedge start` does (without listening). */
function compileAsStartDoes(text: string): void {
  const loaded = parseConfig(text, 'demo.yaml');
  compilePolicy(loaded.config, loaded.file, loaded.lineOf);
}

test('key rotation keeps the pseudonym root; a key file from before pseudonym keys is refused for pseudonyms until rotated', () => {
  const kf = generateKeyFile();
  assert.deepEqual(rotateKeyFile(kf, 60_000).pseudonym, kf.pseudonym, 'rotation does not change pseudonyms');
  const { pseudonym: _dropped, ...old } = kf;
  const dir = mkdtempSync(join(tmpdir(), 'hedge-oldkeys-'));
  try {
    const file = join(dir, 'keys.json');
    writeKeyFile(file, old);
    const issues = (() => {
      try {
        compileAsStartDoes(withKeys(file)(DEMO_YAML));
      } catch (err) {
        return String((err as Error).message);
      }
      return 'accepted';
    })();
    assert.match(issues, /no pseudonym key.*hedge keys rotate/);
    assert.ok(rotateKeyFile(old, 60_000).pseudonym, 'rotation adds a root to an old key file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
