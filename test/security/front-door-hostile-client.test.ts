// Threat: a hostile client against the front door — resets at every point
// (before, during and after the TLS handshake, mid-request, mid-body), a
// client that never completes the handshake, a slow sender, malformed and
// oversized requests, garbage where a PROXY header must be. None may crash
// the process, keep the front door from serving others, or disclose anything.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type tls from 'node:tls';
import { HALF_CLIENT_HELLO, resetAfterTls as resetAfterTlsTo, resetRaw as resetRawTo, tlsConnect as tlsConnectTo, tlsExchange } from '../helpers/hostile-client.js';
import { startFrontDoorLab, partnerClient, fullLogin, api, type FrontDoorLab } from '../helpers/front-door.js';

describe('the front door against a hostile client', () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab({ frontDoorExtra: '  trustedProxies: [127.0.0.7]\n  limits: { handshakeTimeoutMs: 400, headersTimeoutMs: 400, maxBodyBytes: 1024 }' });
  });
  after(async () => lab?.close());

  const stillServes = async () => {
    const d = await api(lab, 'GET', '/.well-known/openid-configuration');
    assert.equal(d.status, 200, 'the front door still answers');
    const login = await fullLogin(lab, await partnerClient(lab, lab.bank), ['number-verification:verify']);
    const v = await api(lab, 'POST', '/number-verification/v2/verify', { token: login.accessToken, body: { phoneNumber: '+447700900123' } });
    assert.equal(v.status, 200, 'a whole flow still works');
  };

  const tlsConnect = () => tlsConnectTo(lab.port, lab.pki.ca);
  const resetAfterTls = (bytes: string) => resetAfterTlsTo(lab.port, lab.pki.ca, bytes);
  const resetRaw = (bytes: Buffer, localAddress = '127.0.0.1') => resetRawTo(lab.port, bytes, localAddress);
  const exchange = (bytes: string) => tlsExchange(lab.port, lab.pki.ca, bytes);

  it('a reset at every point: before TLS, mid-handshake, mid-request, mid-body (authorize, token, verify)', async () => {
    await resetRaw(Buffer.alloc(0));
    await resetRaw(HALF_CLIENT_HELLO);
    await resetRaw(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d]), '127.0.0.7'); // half a PROXY header from the trusted balancer
    for (const p of [
      '',
      'GET /authorize?client_id=bank HT',
      'GET /authorize?client_id=bank HTTP/1.1\r\nHost: a\r\n',
      'POST /token HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ngrant_type=authorization_code&code=',
      'POST /number-verification/v2/verify HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"phoneNu',
    ])
      await resetAfterTls(p);
    await stillServes();
  });

  it('a client that never completes the handshake, and a slow sender, are cut off', async () => {
    const idle = net.connect({ host: '127.0.0.1', port: lab.port });
    idle.on('error', () => {});
    const slow = await tlsConnect();
    slow.on('error', () => {});
    slow.write('GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\n');
    slow.resume(); // reads the front door's answer and its end of the connection
    // Closed by the front door (its 400 ms limits), not by this test: the test's own deadline counts as a failure.
    let cutByTest = false;
    const closed = (s: net.Socket | tls.TLSSocket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
    const deadline = setTimeout(() => {
      cutByTest = true;
      idle.destroy();
      slow.destroy();
    }, 10_000);
    await Promise.all([closed(idle), closed(slow)]);
    clearTimeout(deadline);
    assert.equal(cutByTest, false, 'the front door cut both off within 10 s');
    assert.ok((await lab.gw.metrics.value('hedge_frontdoor_connections_total', { via: 'direct', outcome: 'handshake-timeout' })) >= 1);
    assert.ok((await lab.gw.metrics.value('hedge_frontdoor_refusals_total', { reason: 'timeout' })) >= 1, 'the slow head is counted');
    await stillServes();
  });

  it('malformed requests get 400 and the connection closed, counted; oversized bodies are refused; unknown paths 404', async () => {
    const refusals = (reason: string) => lab.gw.metrics.value('hedge_frontdoor_refusals_total', { reason });
    const malformedBefore = await refusals('malformed');
    const bads = ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n'];
    for (const bad of bads) {
      const r = await exchange(bad);
      assert.match(r.text, /^HTTP\/1\.1 400/);
      assert.match(r.text, /HEDGE_ERR_MALFORMED_REQUEST/, 'the refusal names its code');
      assert.equal(r.closed, true);
    }
    assert.equal((await refusals('malformed')) - malformedBefore, bads.length, 'each malformed request counted once');
    const huge = await exchange(`GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\nX-Pad: ${'x'.repeat(70_000)}\r\n\r\n`);
    assert.match(huge.text, /^HTTP\/1\.1 431/);
    assert.equal(huge.closed, true);
    assert.ok((await refusals('headers_too_large')) >= 1);
    const big = JSON.stringify({ phoneNumber: '+447700900123', pad: 'x'.repeat(5000) });
    const r = await api(lab, 'POST', '/number-verification/v2/verify', { token: 'x', rawBody: big });
    assert.equal(r.status, 401, 'the token is checked before the body is read');
    const login = await fullLogin(lab, await partnerClient(lab, lab.bank), ['number-verification:verify']);
    const tooBig = await api(lab, 'POST', '/number-verification/v2/verify', { token: login.accessToken, rawBody: big });
    assert.equal(tooBig.status, 413);
    assert.equal((await api(lab, 'GET', '/admin/bindings')).status, 404);
    const wrongMethod = await api(lab, 'DELETE', '/token');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST', 'a 405 names the methods the endpoint takes (RFC 9110)');
    await stillServes();
  });
});
