// Threat: another website reads a visitor's report (and so their number) from
// the checker, or a header value injects script into the page. No CORS grant,
// framing denied, a strict CSP with a per-response nonce, and every header
// name and value HTML-escaped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';

let c: RunningChecker;
before(async () => {
  c = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, log: silentLogger }).listen();
});
after(async () => {
  await c.close();
});

function raw(path: string, headers: Record<string, string>): Promise<{ headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${c.httpUrl}${path}`, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('no Access-Control-Allow-Origin for a cross-origin read of /api/check, preflight or not', async () => {
  const r = await raw('/api/check', { Origin: 'https://evil.example', 'X-MSISDN': '447700900123' });
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.equal(r.headers['access-control-allow-credentials'], undefined);
  const pre = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(
      `${c.httpUrl}/api/check`,
      { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' }, agent: false },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
  pre.resume();
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  assert.notEqual(pre.statusCode, 200);
});

test('a header value carrying markup is escaped; the page has a nonce CSP and refuses framing', async () => {
  const evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
  const r = await raw('/', { 'X-Evil': evil, 'X-Msisdn': `447700900123${evil}` });
  assert.ok(!r.body.includes('<script>alert(1)'), 'markup from a header is never live');
  assert.ok(!r.body.includes('<img src=x'), 'attribute context escaped too');
  assert.match(r.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]{20,}'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  const nonce = /nonce-([A-Za-z0-9+/=]+)/.exec(csp)![1]!;
  assert.equal(r.body.split(`nonce="${nonce}"`).length - 1, 2, "only the page's own style and script carry the nonce");
  const again = await raw('/', {});
  assert.notEqual(/nonce-([A-Za-z0-9+/=]+)/.exec(String(again.headers['content-security-policy']))![1], nonce, 'a fresh nonce per response');
});
