// The YAML under a config: a key written twice is refused (YAML would keep the
// last one silently: a second `send:` or `hosts:` under a partner replaces the
// first without a word), a key must be plain text, a byte order mark is fine,
// the bytes must be UTF-8 and alias expansion is bounded, each with a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { ErrorCodes, HedgeError } from '../../src/shared/errors.js';
import { writeConfig } from '../helpers/hedge-process.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf, lineOf } from '../helpers/config.js';

test("a partner's send: written twice is refused at the second one, naming the first", () => {
  const text = DEMO_YAML.replace(
    '      - { attribute: age-verified, header: X-Age-Verified }\n',
    '      - { attribute: age-verified, header: X-Age-Verified }\n    send:\n      - { attribute: msisdn, form: pseudonym, header: X-Alias }\n',
  );
  const issues = issuesOf(text);
  assert.equal(issues.length, 1);
  const i = issues[0]!;
  assert.equal(i.key, 'partners[2].send');
  const second = text.split('\n').findIndex((l, n) => n + 1 > lineOf(text, 'X-Age-Verified') && l.includes('send:')) + 1;
  assert.equal(i.line, second);
  assert.match(i.message, new RegExp(`duplicate key "send" \\(first on line ${lineOf(text, 'X-Age-Verified') - 1}\\)`));
});

test('a duplicate inside a flow map and at the top level are both found, in line order', () => {
  const text =
    DEMO_YAML.replace('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: age-verified, header: X-Age-Verified, header: X-Age }') +
    'operator: { name: Other, country: FR }\n';
  const issues = issuesOf(text);
  assert.deepEqual(
    issues.map((i) => i.key),
    ['partners[2].send[0].header', 'operator'],
  );
  assert.ok(issues[0]!.line < issues[1]!.line);
});

test('a key that is a list or a map is refused', () => {
  const [i] = issuesOf(DEMO_YAML + '? [a, b]\n: 1\n');
  assert.match(i!.message, /a key must be plain text/);
  assert.equal(i!.line, DEMO_YAML.split('\n').length);
});

test('a byte order mark before the first key is accepted', () => {
  assert.equal(parseConfig('\uFEFF' + DEMO_YAML, 'bom.yaml').config.partners.length, 4);
});

test('a file that is not UTF-8 is refused with the line of the first bad byte (it used to load with U+FFFD in the value)', () => {
  const cfg = writeConfig('');
  try {
    const text = Buffer.from(DEMO_YAML.replace('name: Example Mobile', 'name: Example Mobile\u00e9'), 'latin1');
    writeFileSync(cfg.file, text);
    assert.throws(
      () => loadConfigFile(cfg.file),
      (err: unknown) =>
        err instanceof HedgeError &&
        err.code === ErrorCodes.CONFIG_READ &&
        err.message.startsWith(`${cfg.file}:${lineOf(DEMO_YAML, 'name: Example Mobile')}: `) &&
        /not UTF-8/.test(err.message),
    );
  } finally {
    cfg.cleanup();
  }
});

test('aliases that expand without bound (billion laughs) are refused with file, line and what to do, not a bare ReferenceError', () => {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 8; i++)
    text += `a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  const [i] = issuesOf(text);
  assert.equal(i!.file, 'bad.yaml');
  assert.equal(i!.line, 2);
  assert.match(i!.message, /anchors and aliases expand to too much/);
});
