// Threat: an identifier written in upper-case hex slips past the egress guard.
// The subscriber matcher's hex needles (hex of the digits, the number in hex,
// TBCD) were case-insensitive each, but the one combined expression that
// answers "anything there?" was built from their sources without the flag, so
// "683D0D991B" (the number in hex) or "00010100000021F3" (the IMSI in TBCD)
// was not seen — and the identifier-like heuristic does not know them either.
// A broken stage adds them to a non-partner request: none may arrive, and the
// matcher finds them in either case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import { CONTINUE, type Stage } from '../../src/pipeline/stage.js';
import { SubscriberMatcher } from '../../src/detect/subscriber-match.js';
import { hexAscii, hexNumber, tbcd } from '../../src/detect/encodings.js';

const SUB = { msisdn: '+447700900123', imsi: '001010000000123', imei: '490154203237518' };

/** Each identifier in each hex spelling, upper case. */
const UPPER: readonly string[] = [
  hexNumber('447700900123'),
  hexNumber('7700900123'),
  tbcd('447700900123'),
  hexAscii('7700900123'),
  hexNumber('001010000000123'),
  tbcd('001010000000123'),
  hexNumber('490154203237518'),
  tbcd('490154203237518'),
].map((h) => h.toUpperCase());

test('the matcher finds the hex spellings in upper, lower and mixed case', () => {
  const m = new SubscriberMatcher(SUB);
  for (const h of UPPER) {
    for (const v of [h, h.toLowerCase(), `x=0x${h}`, h.replace(/[a-f]/gi, (c, i: number) => (i % 2 ? c.toLowerCase() : c.toUpperCase()))]) {
      assert.ok(m.test(v), `test("${v}")`);
      assert.notDeepEqual(m.find(v), [], `find("${v}")`);
      assert.notDeepEqual(m.attributes(v), [], `attributes("${v}")`);
    }
  }
  const v6 = new SubscriberMatcher({ clientAddress: '2001:db8::7' });
  assert.ok(v6.test('from 2001:DB8::7 today'), 'an IPv6 client address in upper case');
  assert.ok(!v6.test('from 2001:db8::70 today'), 'not a longer address');
});

test('a broken stage adding upper-case hex identifiers: news.example receives none of them', async () => {
  const leak: Stage = {
    name: 'broken-enrich-hex',
    onError: 'no-enrichment',
    onRequest(flow) {
      UPPER.forEach((v, i) => flow.headers.push(`X-Hex-${i}`, v));
      return CONTINUE;
    },
  };
  const lab = await startLab({ transformPipeline: beforeGuard(leak) });
  try {
    const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/');
    assert.equal(r.status, 200, 'traffic keeps flowing');
    const got = r.json().headers;
    for (let i = 0; i < UPPER.length; i++) assert.equal(got[`x-hex-${i}`], undefined, `X-Hex-${i} (${i}) arrived`);
  } finally {
    await lab.close();
  }
});
