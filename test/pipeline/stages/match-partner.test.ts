// Stage 3 contract: the verified destination decides the partner, through the
// compiled host index (exact names, wildcards, ports); an unverified
// destination (transparent mode, Host not matching where the packets go)
// matches nobody, so nothing is disclosed to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPartner } from '../../../src/pipeline/stages/match-partner.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { makeFlow, testPolicy } from '../../helpers/pipeline.js';

const stage = () => matchPartner(testPolicy().hosts);
const partnerAt = (url: string) => {
  const f = makeFlow({ url });
  assert.deepEqual(stage().onRequest(f), CONTINUE);
  return f.partner?.id;
};

test('exact host, wildcard subdomain, and no partner elsewhere', () => {
  assert.equal(partnerAt('http://my.operator.example/'), 'selfcare');
  assert.equal(partnerAt('http://www.agegate.example/x'), 'agegate');
  assert.equal(partnerAt('http://a.b.agegate.example/'), 'agegate');
  assert.equal(partnerAt('http://agegate.example/'), undefined, 'a wildcard does not cover the apex');
  assert.equal(partnerAt('http://news.example/'), undefined);
  assert.equal(partnerAt('http://my.operator.example.evil.example/'), undefined);
});

test('an unverified destination matches no partner, even at a partner host', () => {
  const f = makeFlow({ url: 'http://my.operator.example/' });
  f.destinationVerified = false;
  stage().onRequest(f);
  assert.equal(f.partner, undefined);
});

test('a failure here costs the enrichment, not the request', () => {
  assert.equal(stage().onError, 'no-enrichment');
});
