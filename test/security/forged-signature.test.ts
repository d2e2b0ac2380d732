// Threat: a client on WiFi (or a phone through the gateway) forges the
// operator's signature header to make a partner trust identity headers it
// typed itself. The gateway strips every client copy of the signature header;
// the partner kit refuses headers the operator did not sign. (hedge-v1 here,
// the selfcare partner set to it; RFC 9421 forgeries: test/integration/rfc9421-signatures.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type Lab, type EchoBody } from '../helpers/gateway.js';
import { verifyEnrichment, MemoryNonceStore } from 'hedge-partner';

let lab: Lab;
before(async () => {
  lab = await startLab({ edit: (y) => y.replace('    hosts: [my.operator.example]\n', '    hosts: [my.operator.example]\n    signature: hedge-v1\n') });
});
after(async () => {
  await lab.close();
});

const FORGED = 'v=1; kid=x; t=1; n=abc; p=selfcare; host=my.operator.example; h=x-msisdn; s=AAAA';

test('a client-sent X-Hedge-Signature never reaches a non-partner', async () => {
  const e: EchoBody = (await viaProxy(lab.gw.proxyAddress, 'http://news.example/', { headers: { 'X-Hedge-Signature': FORGED, X_Hedge_Signature: FORGED } })).json();
  assert.equal(e.headers['x-hedge-signature'], undefined);
  assert.equal(e.headers['x_hedge_signature'], undefined);
});

test('at a partner only the gateway’s own signature arrives, and it verifies', async () => {
  const e: EchoBody = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { headers: { 'x-hedge-signature': FORGED, 'X-MSISDN': '+447700900999' } })).json();
  const sigs = e.rawHeaders.filter((_, i) => i % 2 === 0 && e.rawHeaders[i]!.toLowerCase() === 'x-hedge-signature');
  assert.equal(sigs.length, 1);
  assert.equal(e.headers['x-msisdn'], '+447700900123', 'the spoofed number was replaced');
  const jwks = (await (await fetch(`${lab.gw.adminUrl}/.well-known/jwks.json`)).json()) as { keys: { kty: string }[] };
  const r = await verifyEnrichment(
    { method: e.method, url: e.path, headers: e.headers, rawHeaders: e.rawHeaders },
    { jwks, partnerId: 'selfcare', nonces: new MemoryNonceStore() },
  );
  assert.ok(r.ok, JSON.stringify(r));
});

test('a request sent straight to the partner with typed headers and a forged signature is refused', async () => {
  const jwks = (await (await fetch(`${lab.gw.adminUrl}/.well-known/jwks.json`)).json()) as { keys: { kty: string; kid?: string }[] };
  const kid = jwks.keys[0]!.kid!;
  const forged = FORGED.replace('kid=x', `kid=${kid}`).replace('t=1', `t=${Math.floor(Date.now() / 1000)}`);
  const r = await verifyEnrichment(
    { method: 'GET', url: '/', headers: { host: 'my.operator.example', 'x-msisdn': '+447700900999', 'x-hedge-signature': forged } },
    { jwks, partnerId: 'selfcare', nonces: new MemoryNonceStore() },
  );
  assert.equal(!r.ok && r.reason, 'bad-signature');
  const unsigned = await verifyEnrichment({ method: 'GET', url: '/', headers: { host: 'my.operator.example', 'x-msisdn': '+447700900999' } }, { jwks, partnerId: 'selfcare' });
  assert.equal(!unsigned.ok && unsigned.reason, 'missing-header');
});
