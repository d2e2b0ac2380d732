// detect/ against its labelled corpus (test/fixtures/detect-corpus.json):
// precision and recall for subscriber matching and for header classification,
// and no false positive on ordinary headers. Extend the corpus, not this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { emptyScore, precision, recall, type Score } from '../helpers/scoring.js';
import { classifyHeader, findSubscriberIdentifiers, type SubscriberIdentifiers } from '../../src/detect/index.js';

interface Corpus {
  country: string;
  subscriber: SubscriberIdentifiers;
  subscriberCases: { text: string; expect: string[]; note: string }[];
  headerCases: { name: string; value: string; expect: 'identity' | 'tracking' | 'network' | 'none'; group: string }[];
}
const corpus = JSON.parse(readFileSync(new URL('../fixtures/detect-corpus.json', import.meta.url), 'utf8')) as Corpus;

const score = emptyScore;
const report = (label: string, s: Score) => `${label}: precision ${precision(s).toFixed(3)}, recall ${recall(s).toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn}, tn ${s.tn})`;

test('subscriber matching: every format and encoding found, nothing else', (t) => {
  const s = score();
  for (const c of corpus.subscriberCases) {
    const found = [...new Set(findSubscriberIdentifiers(c.text, corpus.subscriber).map((m) => m.attribute))];
    const expected = c.expect.length > 0;
    const right = expected ? c.expect.every((a) => found.includes(a as never)) && found.every((a) => c.expect.includes(a)) : found.length === 0;
    if (expected && found.length > 0 && right) s.tp++;
    else if (expected) {
      s.fn++;
      s.misses.push(`missed: ${c.note}`);
    } else if (found.length > 0) {
      s.fp++;
      s.misses.push(`false positive: ${c.note}`);
    } else s.tn++;
  }
  t.diagnostic(report(`subscriber matching, ${corpus.subscriberCases.length} cases`, s));
  console.log(report('detect corpus — subscriber matching', s));
  assert.deepEqual(s.misses, []);
});

test('header classification: precision and recall, no false positive on ordinary headers', (t) => {
  const s = score();
  const ordinaryFp: string[] = [];
  const wrongKind: string[] = [];
  for (const c of corpus.headerCases) {
    const r = classifyHeader(c.name, c.value, { country: corpus.country });
    const flagged = r.kind !== 'none';
    const expected = c.expect !== 'none';
    if (expected && flagged) {
      s.tp++;
      if (r.kind !== c.expect) wrongKind.push(`${c.name}: ${r.kind} instead of ${c.expect}`);
    } else if (expected) {
      s.fn++;
      s.misses.push(`missed ${c.group} ${c.name}`);
    } else if (flagged) {
      s.fp++;
      s.misses.push(`false positive ${c.group} ${c.name} (${r.reason})`);
      if (c.group === 'ordinary') ordinaryFp.push(c.name);
    } else s.tn++;
  }
  t.diagnostic(report(`header classification, ${corpus.headerCases.length} cases`, s));
  console.log(report('detect corpus — header classification', s));
  if (s.misses.length) t.diagnostic(s.misses.join('; '));
  assert.deepEqual(ordinaryFp, [], 'no ordinary header may be flagged');
  assert.deepEqual(wrongKind, []);
  assert.ok(precision(s) >= 0.95, report('precision below 0.95', s));
  assert.ok(recall(s) >= 0.95, report('recall below 0.95', s));
});
