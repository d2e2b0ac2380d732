// The kit reads a request the way a partner's server hands it over: Node's
// IncomingMessage (origin-form url, Host header, rawHeaders), the same with an
// absolute-form url (behind a forward proxy), or a Fetch API Request (an
// absolute URL: Deno, Bun, Workers, Next.js route handlers). Whichever form,
// both verifiers (hedge-v1 and RFC 9421) must read the method, host and
// target the gateway signed — an IPv6 literal host, a port, an empty query
// ("?" with nothing after it), percent-encoding — or a genuine request is
// refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNonceStore, verifyEnrichment, verifyRequest, type PartnerRequest } from 'hedge-partner';
import { signEnrichment } from '../../src/pipeline/stages/sign.js';
import { enrich } from '../../src/pipeline/stages/enrich.js';
import type { Flow } from '../../src/pipeline/flow.js';
import type { CompiledPolicy } from '../../src/policy/compile.js';
import { formatAuthority } from '../../src/shared/request-target.js';
import { makeFlow, testPolicy, PIPELINE_YAML, SUBSCRIBER } from '../helpers/pipeline.js';

const TARGETS = ['http://[2001:db8::1]/account?tab=1', 'http://my.operator.example/account?', 'http://my.operator.example:8080/a%2Fb?q=%20x', 'http://[2001:DB8::A]:8443/'];

const policies = {
  ed25519: testPolicy(),
  'hedge-v1': testPolicy(PIPELINE_YAML.replace('    hosts: [my.operator.example]\n', '    hosts: [my.operator.example]\n    signature: hedge-v1\n')),
};

function signedFlow(url: string, policy: CompiledPolicy): Flow {
  const f = makeFlow({ url, subscriber: SUBSCRIBER, partner: 'selfcare', policy });
  enrich().onRequest(f);
  signEnrichment(policy.material!.signing, policy.signatureHeader).onRequest(f);
  assert.ok(f.signatureHeaders, `signed ${url}`);
  return f;
}

/** The three forms a partner's server may hand the kit, with the headers as the gateway forwards them (Host rebuilt from the target). */
function forms(f: Flow): [string, PartnerRequest][] {
  const authority = formatAuthority(f.target);
  const raw = ['Host', authority];
  for (let i = 0; i < f.headers.length; i += 2) if (f.headers[i]!.toLowerCase() !== 'host') raw.push(f.headers[i]!, f.headers[i + 1]!);
  const headers: Record<string, string> = {};
  const fetchHeaders = new Headers();
  for (let i = 0; i < raw.length; i += 2) {
    headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
    fetchHeaders.append(raw[i]!, raw[i + 1]!);
  }
  const absolute = `http://${authority}${f.target.path}`;
  return [
    ['Node, origin-form', { method: f.method, url: f.target.path, headers, rawHeaders: raw }],
    ['Node, absolute-form', { method: f.method, url: absolute, headers, rawHeaders: raw }],
    ['Fetch API Request', new Request(absolute, { method: f.method, headers: fetchHeaders })],
  ];
}

for (const [scheme, policy] of Object.entries(policies)) {
  test(`${scheme}: a genuine request verifies in every form a server hands it over`, async () => {
    const jwks = { keys: policy.material!.jwks.keys.map((k) => ({ ...k })) };
    for (const url of TARGETS) {
      const f = signedFlow(url, policy);
      for (const [form, req] of forms(f)) {
        const r =
          scheme === 'hedge-v1'
            ? await verifyEnrichment(req, { partnerId: 'selfcare', jwks, nonces: new MemoryNonceStore(), signatureHeader: policy.signatureHeader })
            : await verifyRequest(req, { partnerId: 'selfcare', jwks, nonces: new MemoryNonceStore() });
        assert.ok(r.ok, `${url} as ${form}: ${JSON.stringify(r)}`);
      }
    }
  });
}
