// sign contract: what was enriched is signed so the partner can prove it came
// from the gateway — the partner kit verifies the flow as it would leave, for
// each scheme (RFC 9421 ed25519 and hmac-sha256, hedge-v1), and nothing is
// added for `signature: off`, a flow without disclosures, or enrichment off.
// The signature headers are named on the flow, so revoking the disclosures
// takes them away too; a missing key costs the enrichment, not the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNonceStore, verifyEnrichment, verifyRequest } from 'hedge-partner';
import { signEnrichment } from '../../../src/pipeline/stages/sign.js';
import { enrich } from '../../../src/pipeline/stages/enrich.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import type { Flow } from '../../../src/pipeline/flow.js';
import type { CompiledPolicy } from '../../../src/policy/compile.js';
import { makeFlow, testPolicy, PIPELINE_YAML, SUBSCRIBER, type FlowOptions } from '../../helpers/pipeline.js';

const HMAC_SECRET = 'test-only-hmac-secret-not-for-production-00';

/** The self-care partner signed with `scheme` instead of the default ed25519. */
const selfcareSigned = (scheme: string) => testPolicy(PIPELINE_YAML.replace('    hosts: [my.operator.example]\n', `    hosts: [my.operator.example]\n    signature: ${scheme}\n`));

/** Enriched, then signed, as the pipeline runs them. */
function signed(opts: FlowOptions = {}): Flow {
  const policy = opts.policy ?? testPolicy();
  const f = makeFlow({ subscriber: SUBSCRIBER, partner: true, ...opts, policy });
  enrich().onRequest(f);
  assert.deepEqual(signEnrichment(policy.material!.signing, policy.signatureHeader).onRequest(f), CONTINUE);
  return f;
}

/** The flow as the partner's server receives it (Node's IncomingMessage shape). */
function received(f: Flow) {
  const headers: Record<string, string> = {};
  for (let i = 0; i < f.headers.length; i += 2) headers[f.headers[i]!.toLowerCase()] = f.headers[i + 1]!;
  return { method: f.method, url: f.target.path, headers, rawHeaders: f.headers };
}

/** The operator's JWKS as a partner fetches it (plain JSON objects). */
const jwksOf = (p: CompiledPolicy) => ({ keys: p.material!.jwks.keys.map((k) => ({ ...k })) });

test('RFC 9421 ed25519 (the default): the partner kit verifies it and reads what was disclosed', async () => {
  const f = signed();
  assert.deepEqual(f.signatureHeaders, ['Hedge-Partner', 'Signature-Input', 'Signature']);
  const r = await verifyRequest(received(f), { partnerId: 'selfcare', jwks: jwksOf(testPolicy()), nonces: new MemoryNonceStore() });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.attributes, { 'x-msisdn': SUBSCRIBER.msisdn });
  assert.equal(r.created, f.issuedAt, 'signed at the issue time of the values');
});

test('RFC 9421 hmac-sha256 with the partner secret', async () => {
  const f = signed({ url: 'http://pay.billing.example/checkout' });
  const r = await verifyRequest(received(f), { partnerId: 'billing', hmacSecret: HMAC_SECRET, nonces: new MemoryNonceStore() });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.alg, 'hmac-sha256');
  const forged = await verifyRequest(received(f), { partnerId: 'billing', hmacSecret: HMAC_SECRET.replace('test', 'best'), nonces: new MemoryNonceStore() });
  assert.equal(forged.ok, false);
});

test('hedge-v1: one signature header the kit verifies', async () => {
  const policy = selfcareSigned('hedge-v1');
  const f = signed({ policy });
  assert.deepEqual(f.signatureHeaders, [policy.signatureHeader]);
  const r = await verifyEnrichment(received(f), { partnerId: 'selfcare', jwks: jwksOf(policy), nonces: new MemoryNonceStore(), signatureHeader: policy.signatureHeader });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.attributes, { 'x-msisdn': SUBSCRIBER.msisdn });
});

test('nothing is added for signature: off, for a flow with no disclosures, or with enrichment off', () => {
  const off = signed({ policy: selfcareSigned('off') });
  assert.equal(off.signatureHeaders, undefined);
  assert.equal(off.header('Signature'), undefined);
  const nothing = signed({ url: 'http://news.example/' });
  assert.equal(nothing.signatureHeaders, undefined);
  const policy = testPolicy();
  const disabled = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  enrich().onRequest(disabled);
  disabled.enrichmentDisabled = true;
  signEnrichment(policy.material!.signing, policy.signatureHeader).onRequest(disabled);
  assert.equal(disabled.header('Signature'), undefined);
});

test('revoking the disclosures removes the signature with them', () => {
  const f = signed();
  f.revokeDisclosures();
  for (const h of ['X-MSISDN', 'Hedge-Partner', 'Signature-Input', 'Signature']) assert.equal(f.header(h), undefined, h);
});

test('without a signing key: the flow goes on unenriched (the partner would refuse unsigned headers anyway)', async () => {
  const f = makeFlow({ subscriber: SUBSCRIBER, partner: true });
  const failed: string[] = [];
  const v = await runPipeline([enrich(), signEnrichment(undefined, 'X-Hedge-Signature')], f, { stageFailed: (name) => failed.push(name) });
  assert.deepEqual(v, CONTINUE);
  assert.deepEqual(failed, ['sign']);
  assert.deepEqual(f.disclosures, []);
  assert.equal(f.header('X-MSISDN'), undefined);
  assert.equal(f.enrichmentDisabled, true);
});
