// Threat: the public leak checker sees the very identifiers it reports. It
// must not keep them: no log line carries a header value or a visitor's
// address, no cookie is set, no response may be cached, and the rate limiter
// remembers only keyed hashes, for no longer than its window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckerServer } from '../../src/checker/server.js';
import { RateLimiter } from '../../src/checker/rate-limit.js';
import { createLogger } from '../../src/shared/log.js';

test('no log line carries a header value or the client address; no cookie; no caching', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const c = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, log }).listen();
  const secrets = ['447700900123', '001010000000123', '490154203237518', 'OTgxNTk2NDk4MzIwMTMwMjA4NjQ1MjU4', 'sid-5f2c9a7e1b'];
  try {
    for (const path of ['/', '/api/check', '/api/check?reveal=1', '/nope?msisdn=447700900123']) {
      const r = await fetch(`${c.httpUrl}${path}`, {
        headers: { 'X-Up-Calling-Line-ID': secrets[0]!, 'X-IMSI': secrets[1]!, 'X-Up-3gpp-IMEISV': secrets[2]!, 'X-UIDH': secrets[3]!, Cookie: `sid=${secrets[4]}` },
      });
      await r.text();
      assert.equal(r.headers.get('set-cookie'), null);
      assert.match(r.headers.get('cache-control') ?? '', /no-store/);
    }
  } finally {
    await c.close();
  }
  assert.ok(
    lines.some((l) => l.includes('checker request')),
    'requests are logged (at debug)',
  );
  for (const l of lines) {
    for (const s of secrets) assert.ok(!l.includes(s), 'a log line carries a header value');
    assert.ok(!l.includes('127.0.0.1"') || l.includes('checker started'), 'no client address in request logs');
    assert.ok(!/"remote|"client|"ip"/.test(l), 'no address fields');
  }
});

test('the rate limiter keeps keyed hashes, not addresses, and forgets them once their bucket refills', () => {
  let now = 0;
  const rl = new RateLimiter({ limit: 2, windowMs: 1000, now: () => now });
  try {
    rl.take('198.51.100.7');
    rl.take('198.51.100.7');
    assert.ok(rl.take('198.51.100.7') > 0, 'third request in the window is refused');
    const table = (rl as unknown as { buckets: Map<string, unknown> }).buckets;
    assert.equal(table.size, 1);
    for (const k of table.keys()) assert.ok(!k.includes('198.51.100.7') && !k.includes('198'), 'stored key is not the address');
    now += 1000;
    rl.sweep();
    assert.equal(rl.tracked, 0, 'nothing outlives the window');
  } finally {
    rl.close();
  }
});
