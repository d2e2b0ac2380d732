// Threat: one client holds the front door's connections and starves the
// phones and partners. The listener had a total cap (frontDoor.limits.
// maxConnections) and a TLS handshake timeout (10 s by default), but no cap
// per client: one host opening maxConnections connections and sending nothing
// (or finishing the handshake and going idle) took every slot, and each new
// connection from a phone or a partner's backend was closed at accept for as
// long as it kept them open. Now each client (an IPv4 address, an IPv6 /64;
// behind a trusted load balancer, the address its PROXY header gives) holds at
// most frontDoor.limits.maxConnectionsPerAddress; the rest are closed at accept
// and counted in hedge_frontdoor_connections_refused_total{reason}.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { fullLogin, partnerClient, startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';
import { openIdle, within } from '../helpers/idle-socket.js';
import { encodeProxyV2 } from '../../src/shared/proxy-protocol-v2.js';

const HOLDER = '127.0.0.66';
const BALANCER = '127.0.0.7';
const TOTAL = 40;
const PER_CLIENT = 8;

function tlsIdle(port: number, ca: Buffer, localAddress: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host: '127.0.0.1', port, localAddress });
    raw.once('error', reject);
    const t = tls.connect({ socket: raw, ca, servername: 'localhost' });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
}

/** A connection from the balancer carrying `source` in its PROXY header; whether the front door closed it right after the header. */
async function behindBalancer(lab: FrontDoorLab, source: string): Promise<{ socket: net.Socket; closedEarly: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port: lab.port, localAddress: BALANCER });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const closed = new Promise<true>((r) => socket.once('close', () => r(true)));
  socket.write(encodeProxyV2({ address: source, port: 40000 }, { address: '2001:db8::443', port: lab.port }));
  return { socket, closedEarly: (await within(closed, 500)) === true };
}

/** A CONNECT tunnel to the front door through hedge's proxy (the in-process hop) from `localAddress`; whether the front door closed it at once. */
function tunnel(lab: FrontDoorLab, localAddress: string): Promise<{ socket: net.Socket; closedEarly: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: lab.gw.proxyAddress.port, method: 'CONNECT', path: `127.0.0.1:${lab.port}`, localAddress, agent: false });
    req.setTimeout(10_000, () => req.destroy(new Error('CONNECT timed out')));
    req.on('connect', (res, socket) => {
      socket.on('error', () => {});
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const closed = new Promise<true>((r) => socket.once('close', () => r(true)));
      void within(closed, 500).then((c) => resolve({ socket, closedEarly: c === true }));
    });
    req.on('error', reject);
    req.end();
  });
}

function discoveryOver(socket: net.Socket, lab: FrontDoorLab): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket, ca: lab.pki.ca, servername: 'localhost' });
    t.once('error', reject);
    const req = https.request(`${lab.issuer}/.well-known/openid-configuration`, { createConnection: () => t });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the front door against one client holding idle connections', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab({
      frontDoorExtra: `  trustedProxies: [${BALANCER}]\n  limits: { maxConnections: ${TOTAL}, maxConnectionsPerAddress: ${PER_CLIENT}, handshakeTimeoutMs: 20000 }`,
    });
  });
  after(async () => lab?.close());

  it('a host opening every connection the front door allows keeps only its share; a partner and a phone are still served', async () => {
    // Some finish TLS and go idle, the rest never send a byte (held until the handshake timeout).
    const held: { destroy(): void }[] = [];
    for (let i = 0; i < 4; i++) held.push(await tlsIdle(lab.port, lab.pki.ca, HOLDER));
    const raw = await Promise.all(Array.from({ length: TOTAL - 4 }, () => openIdle(lab.port, HOLDER)));
    held.push(...raw.map((c) => c.socket));
    try {
      const early = await Promise.all(raw.map((c) => c.closedEarly));
      // The partner (discovery, token) and the phone (/authorize) each open new connections from 127.0.0.1.
      const login = await fullLogin(lab, await partnerClient(lab, lab.bank), ['number-verification:verify']);
      assert.equal(typeof login.accessToken, 'string');
      assert.equal(early.filter((closed) => !closed).length, PER_CLIENT - 4, 'the holder keeps its share and no more');
      assert.ok((await lab.gw.metrics.value('hedge_frontdoor_connections_refused_total', { reason: 'per_address' })) >= TOTAL - PER_CLIENT);
      const text = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
      assert.doesNotMatch(text, /hedge_frontdoor_connections_refused_total\{[^}]*127\.0\.0/, 'never an address in a label');
    } finally {
      for (const s of held) s.destroy();
    }
  });

  it('behind a trusted load balancer each client is capped by its PROXY header address (an IPv6 client by its /64), not the balancer', async () => {
    const rotating = [];
    for (let i = 1; i <= PER_CLIENT + 4; i++) rotating.push(await behindBalancer(lab, `2001:db8:1:2::${i.toString(16)}`));
    try {
      assert.equal(rotating.filter((c) => !c.closedEarly).length, PER_CLIENT, 'one /64 holds its share, whatever address of it each connection names');
      // The balancer already carries more than PER_CLIENT connections: another client behind it is still served.
      const other = await behindBalancer(lab, '2001:db8:9:9::1');
      assert.equal(other.closedEarly, false);
      assert.equal(await discoveryOver(other.socket, lab), 200);
      other.socket.destroy();
    } finally {
      for (const c of rotating) c.socket.destroy();
    }
  });

  it("through hedge's proxy a phone's tunnels count under its own address, capped like a direct client", async () => {
    const tunnels = await Promise.all(Array.from({ length: PER_CLIENT + 3 }, () => tunnel(lab, '127.0.0.77')));
    try {
      assert.equal(tunnels.filter((t) => !t.closedEarly).length, PER_CLIENT);
      const other = await tunnel(lab, '127.0.0.78');
      assert.equal(other.closedEarly, false, 'another phone still gets in');
      other.socket.destroy();
    } finally {
      for (const t of tunnels) t.socket.destroy();
    }
  });
});
