// Issue "Least-revealing enrichment", acceptance: a partner with
// `tls: required` receives the request over HTTPS from the gateway (a test
// HTTPS origin with a test CA); the phone side stays HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { makeLabPki, type LabPki } from '../helpers/pki.js';

interface Seen {
  encrypted: boolean;
  servername: string | false | null | undefined;
  host: string | undefined;
  msisdn: string | string[] | undefined;
  signature: string | string[] | undefined;
}

let pki: LabPki;
let wrongPki: LabPki;
let origin: https.Server;
let lab: Lab;
const seen: Seen[] = [];

before(async () => {
  pki = makeLabPki(['secure.partner.example', 'untrusted.partner.example']);
  wrongPki = makeLabPki(['secure.partner.example'], 'other-lab');
  origin = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    const sock = req.socket as import('node:tls').TLSSocket;
    seen.push({ encrypted: sock.encrypted === true, servername: sock.servername, host: req.headers.host, msisdn: req.headers['x-msisdn'], signature: req.headers.signature });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('secure partner\n');
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as AddressInfo).port;
  const partners = `  - id: secure
    name: TLS partner
    purpose: self-care
    tls: required
    ca: "${pki.caFile}"
    hosts: [secure.partner.example]
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN }
  - id: untrusted
    name: TLS partner whose certificate the gateway cannot verify
    purpose: self-care
    tls: required
    ca: "${wrongPki.caFile}"
    hosts: [untrusted.partner.example]
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN }
`;
  lab = await startLab({
    edit: (y) => y.replace('  resolve:\n', `  resolve:\n    "secure.partner.example": 127.0.0.1:${port}\n    "untrusted.partner.example": 127.0.0.1:${port}\n`) + partners,
  });
});
after(async () => {
  await lab.close();
  await new Promise<void>((r) => {
    origin.close(() => r());
    origin.closeAllConnections();
  });
  pki.cleanup();
  wrongPki.cleanup();
});

test('the phone asks http://, the partner receives HTTPS with the enrichment, certificate verified by name', async () => {
  const r = await viaProxy(lab.gw.proxyAddress, 'http://secure.partner.example/account');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, 'secure partner\n');
  const s = seen.at(-1)!;
  assert.equal(s.encrypted, true);
  assert.equal(s.servername, 'secure.partner.example', 'SNI is the partner name, not the pinned address');
  assert.equal(s.host, 'secure.partner.example');
  assert.equal(s.msisdn, '+447700900123');
  assert.equal(typeof s.signature, 'string');
});

test('a certificate the partner CA does not vouch for: 502, nothing sent', async () => {
  const before = seen.length;
  const r = await viaProxy(lab.gw.proxyAddress, 'http://untrusted.partner.example/');
  assert.equal(r.status, 502);
  assert.equal(seen.length, before, 'no request reached the origin');
  const text = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
  assert.match(text, /hedge_upstream_errors_total\{kind="tls"\} [1-9]/);
});

test('raw disclosures over cleartext are counted; TLS ones are not', async () => {
  await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
  const text = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
  assert.match(text, /hedge_cleartext_disclosures_total\{partner="selfcare",attribute="msisdn"\} [1-9]/);
  assert.ok(!/hedge_cleartext_disclosures_total\{partner="secure"/.test(text));
});
