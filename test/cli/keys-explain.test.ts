// hedge keys generate / rotate / export / partner, and hedge policy explain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile } from '../../src/keys/keyfile.js';
import { loadMaterial } from '../../src/keys/material.js';
import { parseConfig } from '../../src/config/load.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { sign } from 'node:crypto';
import { verify, createPublicKey } from 'node:crypto';

function hedge(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('keys generate writes a 0600 file, refuses to overwrite; export prints the public JWKS only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-keys-cli-'));
  try {
    const file = join(dir, 'keys.json');
    const g = hedge('keys', 'generate', file);
    assert.equal(g.status, 0, g.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.notEqual(hedge('keys', 'generate', file).status, 0, 'no overwrite');
    const kf = readKeyFile(file);
    const ex = hedge('keys', 'export', file);
    assert.equal(ex.status, 0, ex.stderr);
    const jwks = JSON.parse(ex.stdout) as { keys: Record<string, string>[] };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.kid, kf.signing[0]!.kid);
    assert.equal(jwks.keys[0]!.d, undefined, 'no private part');
    assert.ok(!ex.stdout.includes(kf.signing[0]!.jwk.d) && !ex.stdout.includes(kf.token[0]!.key));
    // export via the config that names the file
    const cfg = join(dir, 'hedge.yaml');
    writeFileSync(cfg, DEMO_YAML.replace('\npartners:\n', '\nkeys: { file: keys.json }\npartners:\n'));
    assert.deepEqual(JSON.parse(hedge('keys', 'export', '-c', cfg).stdout), jwks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keys rotate: the new key signs, both verify during the overlap, the old one leaves after it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-keys-rot-'));
  try {
    const file = join(dir, 'keys.json');
    assert.equal(hedge('keys', 'generate', file).status, 0);
    const cfg = parseConfig(DEMO_YAML.replace('\npartners:\n', `\nkeys: { file: "${file}" }\npartners:\n`), join(dir, 'x.yaml'));
    const before = loadMaterial(cfg.config, cfg.file);
    const r = hedge('keys', 'rotate', file, '--overlap', '1h');
    assert.equal(r.status, 0, r.stderr);
    const after = loadMaterial(cfg.config, cfg.file);
    assert.notEqual(after.signing.kid, before.signing.kid, 'the new key signs');
    assert.deepEqual(
      after.jwks.keys.map((k) => k.kid),
      [after.signing.kid, before.signing.kid],
      'both published',
    );
    assert.equal(after.tokenKeys.length, 2, 'old tokens still resolve');
    // A signature by the old key verifies with the JWKS published after rotation.
    const msg = Buffer.from('hello');
    const oldSig = sign(null, msg, before.signing.privateKey);
    const oldJwk = after.jwks.keys.find((k) => k.kid === before.signing.kid)!;
    assert.ok(verify(null, msg, createPublicKey({ key: { ...oldJwk }, format: 'jwk' }), oldSig));
    // After the overlap the old key is gone.
    const later = loadMaterial(cfg.config, cfg.file, Date.now() + 2 * 3600_000);
    assert.deepEqual(
      later.jwks.keys.map((k) => k.kid),
      [after.signing.kid],
    );
    assert.equal(later.tokenKeys.length, 1);
    assert.notEqual(hedge('keys', 'rotate', file, '--overlap', 'soon').status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keys partner prints 32 random bytes as base64url', () => {
  const a = hedge('keys', 'partner').stdout.trim();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(a, 'base64url').length, 32);
  assert.notEqual(hedge('keys', 'partner').stdout.trim(), a);
});

test('a missing key file is a config error with file, line and key', () => {
  const yaml = DEMO_YAML.replace('\npartners:\n', '\nkeys: { file: /nonexistent/keys.json }\npartners:\n');
  const cfg = parseConfig(yaml, 'x.yaml');
  assert.throws(() => loadMaterial(cfg.config, cfg.file), /cannot read key file/);
  const dir = mkdtempSync(join(tmpdir(), 'hedge-keys-missing-'));
  try {
    const f = join(dir, 'x.yaml');
    writeFileSync(f, yaml);
    const r = hedge('policy', 'explain', '-c', f, 'http://my.operator.example/');
    assert.equal(r.status, 0, 'explain works without key files');
    const v = hedge('start', '-c', f, '--proxy', '127.0.0.1:0', '--admin', '127.0.0.1:0');
    assert.notEqual(v.status, 0);
    const line = yaml.split('\n').findIndex((l) => l.startsWith('keys:')) + 1;
    assert.match(v.stderr, new RegExp(`x\\.yaml:${line}:\\d+ error keys\\.file: cannot read key file`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('policy explain: partner, rule, headers with forms and masked values, transport, stripped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-explain-'));
  try {
    const f = join(dir, 'demo.yaml');
    writeFileSync(f, DEMO_YAML);
    const lines = DEMO_YAML.split('\n');
    const r = hedge('policy', 'explain', '-c', f, 'http://wap.operator.example/x', '--subscriber', '07700 900123', '-H', 'X-MSISDN: 1', '-H', 'Accept: */*');
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `partner\\s+legacy-wap .* matched "wap.operator.example" at ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${lines.findIndex((l) => l.includes('id: legacy-wap')) + 1}`,
      ),
    );
    assert.match(r.stdout, /\+ X-Up-Calling-Line-ID: 447•+23 +\[msisdn, raw, cleartext: allowed\]/);
    assert.ok(!r.stdout.includes('447700900123'), 'values are masked');
    assert.match(r.stdout, /cleartext HTTP — allowed by "cleartext: allowed"/);
    assert.match(r.stdout, /stripped\s+1 header name\(s\) from the client request: X-MSISDN/);
    assert.match(r.stdout, /Signature-Input, Signature, Hedge-Partner \(RFC 9421, ed25519/);
    const none = hedge('policy', 'explain', '-c', f, 'http://news.example/', '--json');
    const j = JSON.parse(none.stdout) as { partner?: unknown; headers: unknown[]; stripped: string[] };
    assert.equal(j.partner, undefined);
    assert.deepEqual(j.headers, []);
    assert.ok(j.stripped.includes('x-msisdn') && j.stripped.includes('x-hedge-signature'));
    const pseud = hedge('policy', 'explain', '-c', f, 'http://pay.billing.example/', '--subscriber', '+447700900123', '--json');
    const p = JSON.parse(pseud.stdout) as { headers: { form: string; value: string }[] };
    assert.equal(p.headers[0]!.form, 'pseudonym');
    assert.match(p.headers[0]!.value, /^.{6}…\(43 chars\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
