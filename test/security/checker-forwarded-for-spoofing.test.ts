// Threat: a visitor forges X-Forwarded-For to dodge the rate limit or to make
// the checker misreport who is asking. Only configured trusted proxies are
// believed; from anyone else the header is just another header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckerServer } from '../../src/checker/server.js';
import { TrustedProxies, clientAddress } from '../../src/checker/client-address.js';
import { silentLogger } from '../../src/shared/log.js';

test('an untrusted peer rotating X-Forwarded-For is still limited by its socket address', async () => {
  const c = await new CheckerServer({
    http: { host: '127.0.0.1', port: 0 },
    trustedProxies: ['192.0.2.0/24'],
    rateLimit: { limit: 3, windowMs: 3_600_000 },
    log: silentLogger,
  }).listen();
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${c.httpUrl}/api/check`, { headers: { 'X-Forwarded-For': `203.0.113.${i + 1}` } });
      await r.text();
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  } finally {
    await c.close();
  }
});

test('client address resolution: trusted hops are skipped from the right, forged entries on the left are not believed', () => {
  const t = new TrustedProxies(['10.0.0.0/8', '::1']);
  assert.deepEqual(clientAddress('198.51.100.1', ['1.2.3.4'], t), { address: '198.51.100.1', viaTrustedProxy: false, trustedHops: 0 });
  // The phone (forging 1.2.3.4) → CDN 10.1.1.1 → our proxy 10.0.0.2 → checker.
  assert.equal(clientAddress('10.0.0.2', ['1.2.3.4, 203.0.113.5, 10.1.1.1'], t).address, '203.0.113.5');
  assert.equal(clientAddress('::ffff:10.0.0.2', ['203.0.113.5'], t).address, '203.0.113.5');
  assert.equal(clientAddress('::1', ['[2001:db8::7]:5555'], t).address, '2001:db8::7');
  assert.equal(clientAddress('10.0.0.2', ['not-an-ip'], t).address, '10.0.0.2', 'garbage is not believed');
  assert.throws(() => new TrustedProxies(['10.0.0.0/33']), /prefix length/);
  assert.throws(() => new TrustedProxies(['proxy.example']), /not an IP address/);
});
