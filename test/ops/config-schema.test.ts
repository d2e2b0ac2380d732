// Editor support (issue 17): `hedge config schema` is JSON Schema draft-07 with
// a description for every key (and its default where it has one);
// schema/hedge.schema.json is its current copy; every example config names it
// in a yaml-language-server modeline and validates against it with a real
// draft-07 validator (Ajv), the way an editor would check it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { configJsonSchema, undescribedKeys } from '../../src/config/json-schema.js';

const committed = readFileSync('schema/hedge.schema.json', 'utf8');

test('schema/hedge.schema.json is current (regenerate: npm run schema)', () => {
  assert.equal(committed, JSON.stringify(configJsonSchema(), null, 2) + '\n', 'schema/hedge.schema.json is stale: run `npm run schema` and commit it');
});

test('draft-07, every key described, defaults given', () => {
  const s = configJsonSchema();
  assert.equal(s.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(undescribedKeys(s), [], 'describe these keys in src/config/descriptions.ts');
  const proxy = (s.properties as Record<string, { properties: Record<string, { default?: unknown }> }>).proxy!;
  assert.equal(proxy.properties.listen?.default, '127.0.0.1:8080');
  assert.equal(proxy.properties.mode?.default, 'forward');
});

test('every example config has the modeline and validates against the schema', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(committed) as object);
  for (const f of readdirSync('examples').filter((x) => x.endsWith('.yaml'))) {
    const text = readFileSync(join('examples', f), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=../schema/hedge.schema.json', `examples/${f} starts with the modeline`);
    const ok = validate(parse(text));
    assert.ok(ok, `examples/${f}: ${JSON.stringify(validate.errors)}`);
  }
});

test('a secret as { file } or { env } validates; a wrong shape does not', () => {
  const validate = new Ajv({ strict: false }).compile(JSON.parse(committed) as object);
  const base = { operator: { name: 'X', country: 'GB' } };
  assert.ok(validate({ ...base, admin: { token: { file: '/run/credentials/hedge.service/admin-token' } } }));
  assert.ok(validate({ ...base, admin: { token: { env: 'HEDGE_ADMIN_TOKEN' } } }));
  assert.ok(!validate({ ...base, admin: { token: { path: 'x' } } }));
  assert.ok(!validate({ ...base, admin: { tokn: 'x' } }), 'unknown keys are errors');
});
