// enrich contract: for a bound subscriber at a matched, active partner, each
// grant becomes a header on the flow and a disclosure recorded with it (the
// guard and the audit read that list), and the issue time is set. Nothing is
// added without a subscriber or partner, after an opt-out, once enrichment is
// off, or past the partner's `until:`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrich } from '../../../src/pipeline/stages/enrich.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { makeFlow, testPolicy, PIPELINE_YAML, SUBSCRIBER, type FlowOptions } from '../../helpers/pipeline.js';

const enriched = (opts: FlowOptions, edit?: (f: ReturnType<typeof makeFlow>) => void) => {
  const f = makeFlow({ subscriber: SUBSCRIBER, partner: true, ...opts });
  edit?.(f);
  assert.deepEqual(enrich().onRequest(f), CONTINUE);
  return f;
};

test('a raw grant adds the number as granted, recorded as a disclosure, with the issue time', () => {
  const before = Math.floor(Date.now() / 1000);
  const f = enriched({});
  assert.deepEqual(f.disclosures, [{ partnerId: 'selfcare', attribute: 'msisdn', form: 'raw', header: 'X-MSISDN', value: '+447700900123' }]);
  assert.deepEqual(f.headers.slice(-2), ['X-MSISDN', '+447700900123']);
  assert.ok(f.issuedAt >= before && f.issuedAt <= Math.floor(Date.now() / 1000));
});

test('a claim carries only yes/no; a pseudonym never the number, and is stable per subscriber', () => {
  assert.equal(enriched({ url: 'http://www.agegate.example/' }).header('X-Age-Verified'), 'yes');
  assert.equal(enriched({ url: 'http://www.agegate.example/', subscriber: { msisdn: '+447700900124', ageVerified: false } }).header('X-Age-Verified'), 'no');
  const alias = enriched({ url: 'http://pay.billing.example/' }).header('X-Subscriber-Alias');
  assert.ok(alias && !alias.includes('7700900123'));
  assert.equal(enriched({ url: 'http://pay.billing.example/' }).header('X-Subscriber-Alias'), alias);
  assert.notEqual(enriched({ url: 'http://pay.billing.example/', subscriber: { msisdn: '+447700900124' } }).header('X-Subscriber-Alias'), alias);
});

test('nothing without a subscriber, without a partner, after an opt-out, or once enrichment is off', () => {
  const none = (f: ReturnType<typeof makeFlow>) => {
    assert.deepEqual(f.disclosures, []);
    assert.equal(f.header('X-MSISDN'), undefined);
    assert.equal(f.issuedAt, 0);
  };
  none(enriched({}, (f) => (f.subscriber = undefined)));
  none(enriched({ url: 'http://news.example/' }));
  none(enriched({ subscriber: { ...SUBSCRIBER, optOut: ['selfcare'] } }));
  none(enriched({}, (f) => (f.enrichmentDisabled = true)));
});

test('past `until:` the partner receives nothing', () => {
  const policy = testPolicy(PIPELINE_YAML.replace('    hosts: [my.operator.example]\n', '    hosts: [my.operator.example]\n    until: "2020-01-01T00:00:00Z"\n'));
  const f = enriched({ policy });
  assert.deepEqual(f.disclosures, []);
});
