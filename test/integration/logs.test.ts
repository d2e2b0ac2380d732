// Issue 13, logs a person can use: an upstream failure is one warning naming
// the origin and why; at debug level each enrichment is one line naming the
// partner, attribute and form — never the value, never the client.
import { test } from 'node:test';
import net from 'node:net';
import assert from 'node:assert/strict';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { createLogger } from '../../src/shared/log.js';

test('one line per upstream failure; a debug line per enrichment without the value', async () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  // dead.example is pinned to a port nothing listens on.
  const lab = await startLab({ log, edit: (y) => y.replace('"*.example": 127.0.0.1:', 'dead.example: 127.0.0.1:1\n    "*.example": 127.0.0.1:') });
  try {
    lines.length = 0;
    const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
    assert.equal(r.status, 200);
    const enriched = lines.filter((l) => l.msg === 'enriched');
    assert.equal(enriched.length, 1, JSON.stringify(lines));
    assert.deepEqual(
      [enriched[0]!.level, enriched[0]!.partner, enriched[0]!.attribute, enriched[0]!.form, enriched[0]!.header],
      ['debug', 'selfcare', 'msisdn', 'raw', 'X-MSISDN'],
    );

    const dead = await viaProxy(lab.gw.proxyAddress, 'http://dead.example/');
    assert.equal(dead.status, 502);
    const failed = lines.filter((l) => l.msg === 'upstream failed');
    assert.equal(failed.length, 1, JSON.stringify(lines));
    assert.equal(failed[0]!.level, 'warn');
    assert.equal(failed[0]!.host, 'dead.example');
    assert.equal(failed[0]!.code, 'HEDGE_ERR_UPSTREAM_UNREACHABLE');

    // A CONNECT tunnel whose origin cannot be reached: one line too.
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(lab.gw.proxyAddress.port, '127.0.0.1', () => sock.write('CONNECT dead.example:443 HTTP/1.1\r\nHost: dead.example:443\r\n\r\n'));
      let got = '';
      sock.setTimeout(10_000, () => sock.destroy(new Error('no answer to CONNECT')));
      sock.on('data', (c: Buffer) => (got += c.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 50[24]/, answer);
    const tunnel = lines.filter((l) => l.msg === 'upstream failed' && l.channel === 'connect');
    assert.equal(tunnel.length, 1, JSON.stringify(lines));
    assert.equal(tunnel[0]!.host, 'dead.example');

    const all = JSON.stringify(lines);
    for (const secret of ['447700900123', '7700900123', '001010000000123', '490154203237518']) assert.ok(!all.includes(secret), `no identifier in the log (${secret})`);
    assert.ok(!/"(client|clientAddress|remoteAddress|ip)":"127\.0\.0\.1"/.test(all), 'no client address');
  } finally {
    await lab.close();
  }
});
