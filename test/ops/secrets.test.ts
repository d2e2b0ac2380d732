// Secrets out of the YAML (issue 17): every secret-bearing key takes
// { file: PATH } or { env: NAME }; files are re-read on reload; inline secrets
// are warned about outside a loopback lab; no secret value in an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { ConfigError } from '../../src/shared/errors.js';

const base = (extra: string, listen = '127.0.0.1:8080') => `operator: { name: X, country: GB }
proxy: { listen: "${listen}" }
${extra}`;

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-secret-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PARTNER = (key: string) => `partners:
  - id: p1
    name: P
    purpose: x
    legalBasis: contract
    hosts: [a.example]
    key: ${key}
    send: [{ attribute: msisdn, form: sealed, header: X-P }]
`;
const RADIUS = (secret: string) => `radius:
  clients:
    - { address: 127.0.0.1, secret: ${secret} }
`;
const KEY = 'gG1RGUTn3OFrdGF1i09WXHMETbjbF78XQ578tKhim6U';

test('{file} (relative to the config file, trailing newline dropped) and {env} resolve to the value', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'nas.secret'), 'file-secret-0123456789-0123456789-abc\n');
    process.env.HEDGE_TEST_KEY_A = KEY;
    process.env.HEDGE_TEST_TOKEN_A = 'token-from-env-0123456789';
    const l = parseConfig(base(`admin: { token: { env: HEDGE_TEST_TOKEN_A } }\n${RADIUS('{ file: nas.secret }')}${PARTNER('{ env: HEDGE_TEST_KEY_A }')}`), join(dir, 'hedge.yaml'));
    assert.equal(l.config.radius?.clients[0]?.secret, 'file-secret-0123456789-0123456789-abc');
    assert.equal(l.config.partners[0]?.key, KEY);
    assert.equal(l.config.admin.token, 'token-from-env-0123456789');
    assert.deepEqual(
      l.secrets.map((s) => `${s.path.join('.')}=${s.source}`),
      ['admin.token=env', 'radius.clients.0.secret=file', 'partners.0.key=env'],
    );
  });
});

test('a missing file or variable is an error naming the key, the path or the variable — never a value', () => {
  withDir((dir) => {
    const text = base(`admin: { token: { env: HEDGE_TEST_UNSET_VAR } }\n${RADIUS('{ file: nope.secret }')}${PARTNER(`"${KEY}"`)}`);
    try {
      parseConfig(text, join(dir, 'hedge.yaml'));
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const msg = err.message;
      assert.match(msg, /hedge\.yaml:3:\d+ error admin\.token: the environment variable HEDGE_TEST_UNSET_VAR is not set/);
      assert.match(msg, /radius\.clients\[0\]\.secret: cannot read .*nope\.secret \(a secret file\): ENOENT/);
    }
  });
});

test('a variable that is set but empty is said to be empty, not unset', () => {
  withDir((dir) => {
    process.env.HEDGE_TEST_EMPTY_VAR = '';
    try {
      parseConfig(base(`admin: { token: { env: HEDGE_TEST_EMPTY_VAR } }\n`), join(dir, 'hedge.yaml'));
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /admin\.token: the environment variable HEDGE_TEST_EMPTY_VAR is set but empty/);
      assert.doesNotMatch(err.message, /is not set/);
    } finally {
      delete process.env.HEDGE_TEST_EMPTY_VAR;
    }
  });
});

test('a resolved value that does not validate is refused without echoing it', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'bad.key'), 'NOT-A-KEY-but-a-secret-looking-value');
    try {
      parseConfig(base(PARTNER('{ file: bad.key }')), join(dir, 'hedge.yaml'));
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /partners\[0\]\.key: expected 32 bytes/);
      assert.ok(!err.message.includes('NOT-A-KEY'), 'the value is not echoed');
    }
  });
});

test('inline secrets: a warning per key outside a loopback lab, none in a lab', () => {
  const partner = PARTNER(`"${KEY}"`);
  const lab = parseConfig(base(partner), 'lab.yaml');
  assert.deepEqual(lab.warnings, []);
  const prod = parseConfig(base(`subscribers: { store: "rediss://:pw-0123@10.0.0.5:6379" }\n${partner}`, '0.0.0.0:8080'), 'prod.yaml');
  const keys = prod.warnings.map((w) => w.key);
  assert.deepEqual(keys, ['subscribers.store', 'partners[0].key']);
  assert.ok(prod.warnings.every((w) => w.severity === 'warning' && /use \{ file: PATH \} or \{ env: NAME \}/.test(w.message)));
  assert.ok(!prod.warnings.some((w) => w.message.includes('pw-0123')));
  const plain = parseConfig(base(`subscribers: { store: "rediss://10.0.0.5:6379" }`, '0.0.0.0:8080'), 'prod.yaml');
  assert.deepEqual(plain.warnings, [], 'a store URL without a password is no secret');
});

test('the JSON Schema shows every secret key as inline | {file} | {env}', () => {
  const schema = JSON.stringify(configJsonSchema());
  const refs = schema.split('"required":["file"]').length - 1;
  // partner key, webhook url and header values, radius client secret, both stores, admin token
  assert.ok(refs >= 7, `secret keys with a {file} form: ${refs}`);
});
