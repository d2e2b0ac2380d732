// What an operator reads when a config is wrong: one line per mistake, at the
// line of the mistake, naming the key, saying what is wrong and what would be
// right — never the YAML parser's or the validator's own vocabulary. Each row
// is a broken copy of the demo config (the audit in CHANGELOG 0.2.0, "Fixed").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { HedgeError } from '../../src/shared/errors.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf, lineOf } from '../helpers/config.js';

const sub = (a: string, b: string) => {
  assert.ok(DEMO_YAML.includes(a), a);
  return DEMO_YAML.replace(a, b);
};

interface Row {
  name: string;
  text: string;
  /** The text on the line the (only) issue must point at. */
  at: string;
  key: string;
  message: RegExp;
}

const rows: Row[] = [
  {
    name: 'a mistyped top-level key is one error, with the key meant',
    text: sub('operator:', 'operater:'),
    at: 'operater:',
    key: 'operater',
    message: /^unknown key "operater": did you mean "operator"\?$/,
  },
  { name: 'a mistyped nested key', text: sub('  listen: 127.0.0.1:8080', '  lsiten: 127.0.0.1:8080'), at: 'lsiten', key: 'proxy.lsiten', message: /did you mean "listen"\?/ },
  {
    name: 'a mistyped grant key: no second error for the required key it was meant to be',
    text: sub('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: age-verified, heder: X-Age-Verified }'),
    at: 'heder',
    key: 'partners[2].send[0].heder',
    message: /unknown key "heder": did you mean "header"\?/,
  },
  {
    name: 'snake_case for camelCase',
    text: sub('  mode: forward\n', '  mode: forward\n  limits:\n    max_headers: 100\n'),
    at: 'max_headers',
    key: 'proxy.limits.max_headers',
    message: /did you mean "maxHeaders"\?/,
  },
  {
    name: 'an unknown key close to none lists the keys of its map',
    text: sub('  mode: forward\n', '  mode: forward\n  colour: blue\n'),
    at: 'colour',
    key: 'proxy.colour',
    message: /unknown key "colour"; the keys here are listen, mode, .*accessLog/,
  },
  {
    name: 'a fraction where a whole number is wanted',
    text: sub('  mode: forward\n', '  mode: forward\n  limits:\n    maxHeaders: 10.5\n'),
    at: 'maxHeaders',
    key: 'proxy.limits.maxHeaders',
    message: /^expected a whole number, found 10\.5$/,
  },
  {
    name: 'a value outside a list of words: what was found, and the word meant',
    text: sub('legalBasis: consent', 'legalBasis: consnet'),
    at: 'consnet',
    key: 'partners[2].legalBasis',
    message: /one of consent, .* \(found "consnet"; did you mean "consent"\?\)$/,
  },
  {
    name: 'an unquoted number where text is wanted is not echoed (it may be a subscriber number)',
    text: sub('msisdn: "+447700900123"', 'msisdn: 447700900123'),
    at: 'msisdn: 447700900123',
    key: 'subscribers.static[0].msisdn',
    message: /^expected text, found a number$/,
  },
  {
    name: 'a number written where a word from a list is wanted is not echoed (hedge start logs these messages)',
    text: sub('mode: forward', 'mode: "+447700900123"'),
    at: 'mode: "+447700900123"',
    key: 'proxy.mode',
    message: /^expected one of forward, transparent$/,
  },
  {
    name: 'a static binding whose number is not one: the key is named once, by the path',
    text: sub('msisdn: "+447700900123"', 'msisdn: "12"'),
    at: 'msisdn: "12"',
    key: 'subscribers.static[0].msisdn',
    message: /^not a valid phone number for GB/,
  },
  {
    name: 'a bad enum without a close word',
    text: sub('mode: forward', 'mode: sideways'),
    at: 'sideways',
    key: 'proxy.mode',
    message: /^expected one of forward, transparent \(found "sideways"\)$/,
  },
  {
    name: 'a missing key is pointed at by the key of the map it belongs in',
    text: sub('  name: Example Mobile\n', ''),
    at: 'operator:',
    key: 'operator.name',
    message: /missing required key `name`/,
  },
  {
    name: 'a tab used for indentation: one error, in words',
    text: sub('  mode: forward', '\tmode: forward'),
    at: '\tmode',
    key: '',
    message: /^a tab is used for indentation: YAML indents with spaces only/,
  },
  {
    name: 'an unclosed [ is reported at the bracket, not where the parser noticed',
    text: sub('hosts: [pay.billing.example]', 'hosts: [pay.billing.example'),
    at: 'hosts: [pay.billing.example',
    key: 'partners[3].hosts',
    message: /a list opened with "\[" is not closed on its line: add the "\]"/,
  },
  {
    name: 'an unclosed { likewise',
    text: sub('{ attribute: age-verified, header: X-Age-Verified }', '{ attribute: age-verified, header: X-Age-Verified'),
    at: 'X-Age-Verified',
    key: 'partners[2].send',
    message: /a map opened with "\{" is not closed/,
  },
  {
    name: 'an unclosed quote',
    text: sub('"*.example": 127.0.0.1:8081', '"*.example: 127.0.0.1:8081'),
    at: '"*.example',
    key: 'proxy.resolve',
    message: /a value opened with " is not closed/,
  },
  {
    name: 'a key indented deeper than its neighbours',
    text: sub('  mode: forward', '   mode: forward'),
    at: 'listen: 127.0.0.1:8080',
    key: 'proxy.listen',
    message: /this line does not line up/,
  },
  {
    name: 'two YAML documents in one file',
    text: DEMO_YAML + '---\noperator: { name: X, country: FR }\n',
    at: '---',
    key: '',
    message: /^a second YAML document starts here \("---"\): a config file is one document/,
  },
  {
    name: 'a merge key (YAML 1.1) is said to be unsupported, not an unknown key "<<"',
    text: sub('  - id: legacy-wap\n', '  - &wap\n    id: legacy-wap\n').replace('  - id: agegate\n', '  - <<: *wap\n    id: agegate\n'),
    at: '<<: *wap',
    key: 'partners[2]',
    message: /^merge keys \("<<: \*anchor"\) are not supported/,
  },
  {
    name: 'an alias without its anchor is not called an alias bomb',
    text: sub('legalBasis: consent', 'legalBasis: *basis'),
    at: '*basis',
    key: 'partners[2].legalBasis',
    message: /^the alias \*basis names no anchor: define "&basis"/,
  },
];

// What the parser and the validator say in their own words (and the API name one message sent operators to).
const JARGON =
  /Nested mappings|Implicit keys|compact mapping|parseAllDocuments|Flow (sequence|map) in block|Invalid input|Invalid option|received|expected int\b|Unresolved alias|\bZod/;

for (const r of rows)
  test(`config error: ${r.name}`, () => {
    const issues = issuesOf(r.text);
    assert.equal(issues.length, 1, issues.map((i) => `${i.line} ${i.key}: ${i.message}`).join('\n'));
    const [i] = issues;
    assert.equal(i!.file, 'bad.yaml');
    assert.equal(i!.line, lineOf(r.text, r.at), `line of ${JSON.stringify(r.at)}`);
    assert.equal(i!.key, r.key);
    assert.match(i!.message, r.message);
    assert.doesNotMatch(i!.message, JARGON);
  });

test('config error: a file that cannot be opened is said in words, with the code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-cfgerr-'));
  try {
    mkdirSync(join(dir, 'adir.yaml'));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.yaml'), /missing\.yaml: cannot read config: ENOENT \(no such file or directory\)$/],
      [join(dir, 'adir.yaml'), /adir\.yaml: cannot read config: EISDIR \(it is a directory, not a file\)$/],
    ];
    for (const [file, message] of cases)
      assert.throws(
        () => loadConfigFile(file),
        (err: unknown) => err instanceof HedgeError && message.test(err.message),
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
