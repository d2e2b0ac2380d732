// Flows and pipelines for stage tests: a Flow as the ingress would build it
// (client address, target, headers) over a policy compiled from a small
// config, and a way to put a test's own stage in front of the egress guard.
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { Flow } from '../../src/pipeline/flow.js';
import type { Pipeline } from '../../src/pipeline/index.js';
import type { Stage } from '../../src/pipeline/stage.js';
import { parseAbsoluteForm } from '../../src/shared/request-target.js';
import type { Subscriber } from '../../src/subscriber/subscriber.js';

/**
 * Four partners, one per kind of grant the stages treat differently: a raw
 * number (self-care), a claim (age gate), a pseudonym signed with a shared
 * secret (billing), and a partner reached only over TLS (bank). No keys.file:
 * the compiled policy carries a per-process key, as `hedge start` without one.
 */
export const PIPELINE_YAML = `operator: { name: Test Mobile, country: GB }
partners:
  - id: selfcare
    name: Self-care
    purpose: self-care
    legalBasis: contract
    hosts: [my.operator.example]
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
  - id: agegate
    name: Age gate
    purpose: age-verification
    legalBasis: consent
    hosts: ["*.agegate.example"]
    send:
      - { attribute: age-verified, header: X-Age-Verified }
  - id: billing
    name: Billing
    purpose: carrier-billing
    legalBasis: contract
    hosts: [pay.billing.example]
    signature: hmac-sha256
    signatureSecret: "test-only-hmac-secret-not-for-production-00"
    send:
      - { attribute: msisdn, form: pseudonym, header: X-Subscriber-Alias }
  - id: bank
    name: Bank
    purpose: fraud-prevention
    legalBasis: legitimate-interest
    hosts: [bank.example]
    tls: required
    send:
      - { attribute: subscriber, header: X-Subscriber }
`;

/** The subscriber bound to the default client address (fictional numbers: Ofcom drama range, test IMSI, a Luhn-valid IMEI). */
export const SUBSCRIBER: Subscriber = { msisdn: '+447700900123', imsi: '001010000000123', imei: '490154203237518', ageVerified: true };

const compiled = new Map<string, CompiledPolicy>();

/** The policy compiled from `yaml` (PIPELINE_YAML by default), once per text. */
export function testPolicy(yaml = PIPELINE_YAML): CompiledPolicy {
  let p = compiled.get(yaml);
  if (!p) {
    const loaded = parseConfig(yaml, 'pipeline-test.yaml');
    p = compilePolicy(loaded.config, 'pipeline-test.yaml', loaded.lineOf);
    compiled.set(yaml, p);
  }
  return p;
}

export interface FlowOptions {
  /** Absolute-form request target; default http://my.operator.example/ (the self-care partner). */
  url?: string;
  /** Default 127.0.0.1. */
  clientAddress?: string;
  method?: string;
  /** Flat [name, value, …] list as the client sent it; default Host (from the url), User-Agent and Accept. */
  headers?: string[];
  /** Default testPolicy(). */
  policy?: CompiledPolicy;
  /** Sets flow.subscriber, as the identify-subscriber stage would. */
  subscriber?: Subscriber;
  /** Sets flow.partner, as the match-partner stage would: true for the partner the policy maps the url to, or a partner id. */
  partner?: true | string;
}

let nextId = 1;

/** A Flow as the ingress hands it to the pipeline, optionally with the earlier stages' work already done. */
export function makeFlow(opts: FlowOptions = {}): Flow {
  const target = parseAbsoluteForm(opts.url ?? 'http://my.operator.example/');
  if ('error' in target) throw new Error(`makeFlow: ${target.error}`);
  const policy = opts.policy ?? testPolicy();
  const authority = target.port === (target.scheme === 'https' ? 443 : 80) ? target.host : `${target.host}:${target.port}`;
  const headers = opts.headers ?? ['Host', authority, 'User-Agent', 'hedge-test/1', 'Accept', '*/*'];
  const flow = new Flow(`t-${nextId++}`, opts.clientAddress ?? '127.0.0.1', opts.method ?? 'GET', target, headers, policy);
  if (opts.subscriber) flow.subscriber = opts.subscriber;
  if (opts.partner === true) flow.partner = policy.hosts.lookup(target.host, target.port);
  else if (opts.partner !== undefined) {
    flow.partner = policy.partners.find((p) => p.id === opts.partner);
    assert.ok(flow.partner, `makeFlow: no partner "${opts.partner}" in the policy`);
  }
  return flow;
}

/** A pipeline transform (GatewayOptions.transformPipeline) that runs `stage` just before the egress guard. */
export function beforeGuard(stage: Stage) {
  return (p: Pipeline): Pipeline => {
    const at = p.stages.findIndex((s) => s.name === 'egress-guard');
    assert.ok(at > 0, 'the pipeline has an egress guard');
    return { ...p, stages: [...p.stages.slice(0, at), stage, ...p.stages.slice(at)] };
  };
}
