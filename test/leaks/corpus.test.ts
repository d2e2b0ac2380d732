// Issue "What does my phone tell websites?", acceptance: detection quality of
// what the leak checker and the scanner report, measured on a labelled corpus
// (test/fixtures/leak-corpus.json). Reports precision and recall and fails
// below 0.95 on either. A finding of the wrong kind counts against both.
// Extend the corpus, not this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { emptyScore, precision, recall, type Score } from '../helpers/scoring.js';
import { inspectHeader, inspectUrl, type Finding } from '../../src/leaks/inspect.js';
import { worstVerdict, type Verdict } from '../../src/leaks/verdict.js';

interface Corpus {
  country: string;
  headerCases: { name: string; value: string; expect: Verdict | 'none'; group: string }[];
  urlCases: { url: string; expect: Verdict | 'none'; group: string }[];
}
const corpus = JSON.parse(readFileSync(new URL('../fixtures/leak-corpus.json', import.meta.url), 'utf8')) as Corpus;

function score(cases: { label: string; group: string; expect: Verdict; findings: Finding[] }[]): Score {
  const s: Score = emptyScore();
  for (const c of cases) {
    const got = worstVerdict(c.findings.map((f) => f.kind));
    if (c.expect === 'clean') {
      if (got === 'clean') s.tn++;
      else {
        s.fp++;
        s.misses.push(`false positive (${c.group}) ${c.label}: ${got}`);
      }
    } else if (got === c.expect) s.tp++;
    else {
      s.fn++;
      if (got !== 'clean') s.fp++;
      s.misses.push(`${got === 'clean' ? 'missed' : `wrong kind ${got}`} (${c.group}) ${c.label}: expected ${c.expect}`);
    }
  }
  return s;
}

const line = (label: string, s: Score) => `${label}: precision ${precision(s).toFixed(3)}, recall ${recall(s).toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn}, tn ${s.tn})`;
const norm = (v: string): Verdict => (v === 'none' ? 'clean' : (v as Verdict));

test('leak corpus: precision and recall of header and URL findings >= 0.95', (t) => {
  const headers = score(
    corpus.headerCases.map((c) => ({ label: c.name, group: c.group, expect: norm(c.expect), findings: inspectHeader(c.name, c.value, { country: corpus.country }) })),
  );
  const urls = score(
    corpus.urlCases.map((c) => ({ label: c.url.replace(/\?.*/, '?…'), group: c.group, expect: norm(c.expect), findings: inspectUrl(c.url, { country: corpus.country }) })),
  );
  const all: Score = { tp: headers.tp + urls.tp, fp: headers.fp + urls.fp, fn: headers.fn + urls.fn, tn: headers.tn + urls.tn, misses: [...headers.misses, ...urls.misses] };
  for (const [label, s] of [
    [`headers, ${corpus.headerCases.length} cases`, headers],
    [`URLs, ${corpus.urlCases.length} cases`, urls],
    ['all', all],
  ] as const) {
    t.diagnostic(line(label, s));
    console.log(line(`leak corpus — ${label}`, s));
  }
  if (all.misses.length) t.diagnostic(all.misses.join('; '));
  assert.ok(precision(all) >= 0.95, line('precision below 0.95', all) + '\n' + all.misses.join('\n'));
  assert.ok(recall(all) >= 0.95, line('recall below 0.95', all) + '\n' + all.misses.join('\n'));
});

test('leak corpus covers every catalogue header and every negative group the issue names', async () => {
  const { HEADER_CATALOGUE } = await import('../../src/detect/header-catalogue.js');
  const names = new Set(corpus.headerCases.map((c) => c.name.toLowerCase()));
  for (const e of HEADER_CATALOGUE) assert.ok(names.has(e.name), `corpus lacks catalogue header ${e.name}`);
  const groups = new Set(corpus.headerCases.filter((c) => c.expect === 'none').map((c) => c.group));
  for (const g of ['cookies', 'session ids', 'tracing headers', 'user agents', 'dates', 'prices', 'order numbers', 'UUIDs', 'content lengths'])
    assert.ok(groups.has(g), `no negatives for ${g}`);
});
