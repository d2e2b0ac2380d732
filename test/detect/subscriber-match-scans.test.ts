// The subscriber matcher's shortcuts answer as the needles themselves do, for
// subscribers with IPv4 and IPv6 addresses, over texts made of their
// identifiers in every encoding, separators and noise:
//  - the combined expressions (needles grouped by their first atom) match
//    exactly when one of their needles matches;
//  - a text without "%" is scanned once: its decoded form differs only by "+"
//    read as " ", and whatever that form contains, the text contains too;
//  - texts joined by LF (the egress guard's one scan of all added headers)
//    match exactly when one of the texts does: no needle matches an LF or
//    spans one, and the address needles' boundaries read it as a text's end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriberMatcher, type SubscriberIdentifiers } from '../../src/detect/subscriber-match.js';
import { base64Patterns, hexAscii, hexNumber, tbcd } from '../../src/detect/encodings.js';

const SUBSCRIBERS: SubscriberIdentifiers[] = [
  { msisdn: '+447700900123', imsi: '001010000000123', imei: '490154203237518', clientAddress: '10.0.0.7' },
  { msisdn: '+4915112345678', imsi: '262011234567890', imei: '35209900176148', clientAddress: '2001:db8::7' },
];

/** Pieces a text is made of: the identifiers in several encodings, split by separators, and noise. */
function pieces(ids: SubscriberIdentifiers): string[] {
  const digits = [ids.msisdn!.replace(/\D/g, ''), ids.imsi!, ids.imei!];
  const out = ['+', ' ', '.', '-', '+ ', ' +', '++', 'a', 'F', '=', ':', '0', '9', ids.clientAddress!, `+${ids.clientAddress}+`];
  for (const d of digits) {
    out.push(
      d,
      d.slice(0, 5),
      d.slice(5),
      `${d.slice(0, 4)}+${d.slice(4, 8)}+${d.slice(8)}`,
      `${d.slice(0, 3)} ${d.slice(3)}`,
      hexAscii(d),
      hexNumber(d),
      tbcd(d),
      hexNumber(d).toUpperCase(),
      tbcd(d).toUpperCase(),
    );
    for (const b of base64Patterns(d)) out.push(b.replace(/\[([^\]])[^\]]*\]/g, '$1').replace(/\\/g, ''));
    out.push(Buffer.from(d).toString('base64'), Buffer.from(`+${d}`).toString('base64'));
  }
  return out;
}

/** Texts from the pieces, deterministic. */
function* texts(parts: string[], n: number): Generator<string> {
  let seed = 7;
  const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % k;
  for (let i = 0; i < n; i++) {
    let t = '';
    for (let k = 1 + rnd(6); k > 0; k--) t += parts[rnd(parts.length)]!;
    yield t;
  }
}

test('the combined expressions match exactly when one of their needles does', () => {
  for (const ids of SUBSCRIBERS) {
    const m = new SubscriberMatcher(ids) as unknown as { any: RegExp; needles: { attribute: string; re: RegExp }[]; perAttribute: [string, RegExp][] };
    let hits = 0;
    for (const t of texts(pieces(ids), 20_000)) {
      const want = m.needles.some((n) => n.re.test(t));
      assert.equal(m.any.test(t), want, `"${t}"`);
      for (const [a, re] of m.perAttribute)
        assert.equal(
          re.test(t),
          m.needles.some((n) => n.attribute === a && n.re.test(t)),
          `${a} in "${t}"`,
        );
      hits += want ? 1 : 0;
    }
    assert.ok(hits > 1_000 && hits < 19_000, `both answers are exercised (${hits})`);
  }
});

test('for a text without "%", the "+"→" " form holds nothing the text does not', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  for (const ids of SUBSCRIBERS) {
    const m = new SubscriberMatcher(ids);
    const parts = pieces(ids);
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      let t = '';
      for (let k = 1 + rnd(6); k > 0; k--) t += parts[rnd(parts.length)]!;
      if (!t.includes('+')) continue;
      const spaced = t.replace(/\+/g, ' ');
      if (m.test(spaced)) assert.ok(m.test(t), `"${t}": its "+"→" " form matches, the text does not`);
      const a = m.attributes(t);
      for (const x of m.attributes(spaced)) assert.ok(a.includes(x), `"${t}": ${x} only in the "+"→" " form`);
      checked++;
    }
    assert.ok(checked > 5_000);
  }
});

test('texts joined by LF match exactly when one of them does', () => {
  for (const ids of SUBSCRIBERS) {
    const m = new SubscriberMatcher(ids);
    // Percent-encoded pieces too: the joined text is decoded as a whole when any part has a "%".
    const parts = [...pieces(ids), '%2B', '%20', encodeURIComponent(ids.msisdn!), `x%3D${ids.imsi}`];
    const all = [...texts(parts, 12_000)];
    let hits = 0;
    for (let i = 0; i + 3 <= all.length; i += 3) {
      const group = all.slice(i, i + 3);
      const want = group.some((t) => m.test(t));
      assert.equal(m.test(group.join('\n')), want, JSON.stringify(group));
      hits += want ? 1 : 0;
    }
    assert.ok(hits > 100 && hits < 3_900, `both answers are exercised (${hits})`);
  }
});
