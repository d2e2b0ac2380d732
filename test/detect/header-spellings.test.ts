import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderSpellings, foldedHeaderName } from '../../src/detect/header-spellings.js';
import { HEADER_CATALOGUE } from '../../src/detect/header-catalogue.js';

test('a name matches the listed one with the same letters and digits, in any case and punctuation', () => {
  const s = new HeaderSpellings(['x-msisdn', 'x-up-calling-line-id', 'msisdn']);
  for (const n of ['X-MSISDN', 'x_msisdn', 'x.msisdn', 'X--MSISDN', '~x~m~s~i~s~d~n~', 'XMSISDN']) assert.equal(s.match(n), 'x-msisdn', n);
  assert.equal(s.match('X.Up.Calling.Line.Id'), 'x-up-calling-line-id');
  assert.equal(s.match('MSISDN'), 'msisdn');
  for (const n of ['x-msisdn2', 'x-msisd', 'X-MSISDN-Hint', 'accept', '', '---']) assert.equal(s.match(n), undefined, n);
});

test('no ordinary header of the catalogue corpus is a spelling of a catalogue entry but the entry itself', () => {
  const s = new HeaderSpellings(HEADER_CATALOGUE.map((e) => e.name));
  for (const e of HEADER_CATALOGUE) assert.equal(s.match(e.name.toUpperCase()), e.name);
  for (const n of ['accept', 'accept-encoding', 'user-agent', 'x-forwarded-for', 'cookie', 'content-type', 'via', 'x-requested-with']) assert.equal(s.match(n), undefined, n);
});

test('names that fold alike keep the first listed; a hash collision still compares the folded names', () => {
  const s = new HeaderSpellings(['x-msisdn', 'x_msisdn']);
  assert.equal(s.match('X.MSISDN'), 'x-msisdn');
  assert.equal(foldedHeaderName('X-Up_Calling.Line-ID'), 'xupcallinglineid');
  // "costarring" and "liquid" have the same 32-bit FNV-1a hash: a hash alone would take one for the other.
  const c = new HeaderSpellings(['costarring']);
  assert.equal(c.match('liquid'), undefined);
  assert.equal(c.match('COSTARRING'), 'costarring');
});
