// How a phone reaches the front door: through hedge's own forward proxy (a
// CONNECT to the front door's host takes the in-process internal hop and keeps
// the phone's address), from behind a load balancer (PROXY protocol v2 from a
// configured address), and what a forged PROXY header from anyone else gets:
// nothing (it is never parsed; the TLS handshake fails).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type * as oidc from 'openid-client';
import * as client from 'openid-client';
import { startFrontDoorLab, partnerClient, api, PURPOSE, type FrontDoorLab } from '../helpers/front-door.js';
import { encodeProxyV2, encodeProxyV2Local, parseProxyV2 } from '../../src/shared/proxy-protocol-v2.js';

const VIA_PROXY = '127.0.0.5';
const VIA_PROXY_NUMBER = '+447700900155';
const BALANCER = '127.0.0.7';
const BEHIND_BALANCER = '127.0.0.8';
const BEHIND_BALANCER_NUMBER = '+447700900188';

/** One GET over an already-established TLS socket; resolves with status and Location. */
function getOver(socket: tls.TLSSocket, url: URL): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { createConnection: () => socket });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

function tlsOver(raw: net.Socket | import('node:stream').Duplex, ca: Buffer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket: raw as net.Socket, ca, servername: 'localhost' });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
    t.setTimeout(10_000, () => t.destroy(new Error('TLS timed out')));
  });
}

/** The phone opens a CONNECT tunnel through hedge's forward proxy from `localAddress`. */
function connectViaProxy(proxyPort: number, authority: string, localAddress: string): Promise<{ status: number; socket: import('node:stream').Duplex }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority, localAddress, agent: false });
    req.setTimeout(10_000, () => req.destroy(new Error('CONNECT timed out')));
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, socket: res.socket }));
    req.on('error', reject);
    req.end();
  });
}

async function authorizeUrl(config: oidc.Configuration, redirectUri: string) {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: `openid number-verification:verify ${PURPOSE}`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: client.randomState(),
  });
  return { url, verifier };
}

async function redeemAndVerify(lab: FrontDoorLab, config: oidc.Configuration, callback: URL, verifier: string, number: string): Promise<boolean> {
  const t = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: callback.searchParams.get('state')! });
  const r = await api(lab, 'POST', '/number-verification/v2/verify', { token: t.access_token, body: { phoneNumber: number } });
  assert.equal(r.status, 200);
  return (r.json as { devicePhoneNumberVerified: boolean }).devicePhoneNumberVerified;
}

describe("front door: through hedge's forward proxy, behind a load balancer, forged PROXY headers", () => {
  let lab: FrontDoorLab;
  let bank: oidc.Configuration;
  before(async () => {
    lab = await startFrontDoorLab({ frontDoorExtra: `  trustedProxies: [${BALANCER}]` });
    await lab.gw.bindings.set({ ip: VIA_PROXY, subscriber: { msisdn: VIA_PROXY_NUMBER } });
    await lab.gw.bindings.set({ ip: BEHIND_BALANCER, subscriber: { msisdn: BEHIND_BALANCER_NUMBER } });
    bank = await partnerClient(lab, lab.bank);
  });
  after(async () => lab?.close());

  it("a phone going through hedge's forward proxy (CONNECT to the front door) is recognised by its own address", async () => {
    const { url, verifier } = await authorizeUrl(bank, lab.bank.redirectUri);
    const tunnel = await connectViaProxy(lab.gw.proxyAddress.port, `127.0.0.1:${lab.port}`, VIA_PROXY);
    assert.equal(tunnel.status, 200);
    const t = await tlsOver(tunnel.socket, lab.pki.ca);
    const r = await getOver(t, url);
    t.destroy();
    assert.equal(r.status, 302);
    const cb = new URL(r.location!);
    assert.ok(cb.searchParams.get('code'), `recognised (got ${cb.searchParams.get('error')})`);
    // The code stands for the phone behind the proxy, not for the proxy's own address (127.0.0.1, another subscriber).
    assert.equal(await redeemAndVerify(lab, bank, cb, verifier, VIA_PROXY_NUMBER), true);
    assert.ok((await lab.gw.metrics.value('hedge_frontdoor_connections_total', { via: 'internal', outcome: 'accepted' })) >= 1);
  });

  it('CONNECT from an unbound address through the proxy: login_required (the hop keeps that address too)', async () => {
    const { url } = await authorizeUrl(bank, lab.bank.redirectUri);
    const tunnel = await connectViaProxy(lab.gw.proxyAddress.port, `127.0.0.1:${lab.port}`, '127.0.0.9');
    const t = await tlsOver(tunnel.socket, lab.pki.ca);
    const r = await getOver(t, url);
    t.destroy();
    assert.equal(new URL(r.location!).searchParams.get('error'), 'login_required');
  });

  it("behind a configured load balancer: its PROXY v2 header gives the phone's address", async () => {
    const { url, verifier } = await authorizeUrl(bank, lab.bank.redirectUri);
    const raw = net.connect({ host: '127.0.0.1', port: lab.port, localAddress: BALANCER });
    await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
    raw.write(encodeProxyV2({ address: BEHIND_BALANCER, port: 50123 }, { address: '127.0.0.1', port: lab.port }));
    const t = await tlsOver(raw, lab.pki.ca);
    const r = await getOver(t, url);
    t.destroy();
    const cb = new URL(r.location!);
    assert.ok(cb.searchParams.get('code'));
    assert.equal(await redeemAndVerify(lab, bank, cb, verifier, BEHIND_BALANCER_NUMBER), true);
  });

  it('the load balancer without a PROXY header, or with a malformed one: the connection is dropped', async () => {
    for (const first of [Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]), Buffer.concat([encodeProxyV2Local().subarray(0, 12), Buffer.from([0x99, 0x11, 0, 12])])]) {
      const raw = net.connect({ host: '127.0.0.1', port: lab.port, localAddress: BALANCER });
      raw.on('error', () => {});
      await new Promise<void>((resolve) => raw.once('connect', resolve));
      raw.write(first);
      await new Promise<void>((resolve) => raw.once('close', () => resolve()));
    }
    assert.ok((await lab.gw.metrics.value('hedge_frontdoor_connections_total', { via: 'proxy-protocol', outcome: 'malformed' })) >= 2);
  });

  it('a forged PROXY header from an address not configured as trusted is not honoured (never parsed: TLS fails)', async () => {
    const raw = net.connect({ host: '127.0.0.1', port: lab.port, localAddress: '127.0.0.9' });
    await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
    // Claims to be the bound phone on 127.0.0.1.
    raw.write(encodeProxyV2({ address: '127.0.0.1', port: 40000 }, { address: '127.0.0.1', port: lab.port }));
    await assert.rejects(tlsOver(raw, lab.pki.ca));
    raw.destroy();
    // And the same client without the forgery is simply unbound.
    const { url } = await authorizeUrl(bank, lab.bank.redirectUri);
    const direct = net.connect({ host: '127.0.0.1', port: lab.port, localAddress: '127.0.0.9' });
    await new Promise<void>((resolve) => direct.once('connect', resolve));
    const t = await tlsOver(direct, lab.pki.ca);
    const r = await getOver(t, url);
    t.destroy();
    assert.equal(new URL(r.location!).searchParams.get('error'), 'login_required');
  });

  it('PROXY v2 encoder and parser agree (IPv4, IPv6, LOCAL, partial input)', () => {
    const v4 = encodeProxyV2({ address: '10.1.2.3', port: 1234 }, { address: '192.0.2.1', port: 443 });
    assert.deepEqual(parseProxyV2(v4), { kind: 'proxy', length: 28, source: { address: '10.1.2.3', port: 1234 }, destination: { address: '192.0.2.1', port: 443 } });
    const v6 = encodeProxyV2({ address: '2001:db8::1', port: 5 }, { address: '2001:db8:0:0:1::2', port: 443 });
    assert.deepEqual(parseProxyV2(v6), { kind: 'proxy', length: 52, source: { address: '2001:db8::1', port: 5 }, destination: { address: '2001:db8::1:0:0:2', port: 443 } });
    assert.deepEqual(parseProxyV2(encodeProxyV2Local()), { kind: 'local', length: 16 });
    assert.deepEqual(parseProxyV2(v4.subarray(0, 20)), { kind: 'incomplete' });
    assert.equal(parseProxyV2(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')).kind, 'invalid');
    const mapped = encodeProxyV2({ address: '::ffff:10.0.0.1', port: 1 }, { address: '::1', port: 2 });
    assert.equal((parseProxyV2(mapped) as { source: { address: string } }).source.address, '10.0.0.1');
  });
});
